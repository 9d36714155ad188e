-- Orleans ADO.NET clustering and grain storage tables, in their own schema. The providers select
-- `OrleansQuery` unqualified, so the Orleans connection string sets `Search Path=orleans`.
-- Written for this project from the providers' contract (query keys, parameters, result columns).

CREATE TABLE IF NOT EXISTS orleans.orleansquery (
    querykey  varchar(64) PRIMARY KEY,
    querytext text NOT NULL
);

-- One row per cluster (Orleans' "deployment"): the membership table version every change must match.
CREATE TABLE IF NOT EXISTS orleans.cluster_version (
    deployment_id text PRIMARY KEY,
    version       int NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS orleans.cluster_member (
    deployment_id   text NOT NULL REFERENCES orleans.cluster_version (deployment_id) ON DELETE CASCADE,
    address         text NOT NULL,
    port            int NOT NULL,
    generation      int NOT NULL,
    silo_name       text NOT NULL,
    host_name       text NOT NULL,
    status          int NOT NULL,
    proxy_port      int NOT NULL DEFAULT 0,
    suspect_times   text NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Grain state. The identity is matched in full (the hashes are not unique); the state name, not the grain
-- class, is Orleans' "grain type" here, so every [PersistentState] in the gateway has a distinct name.
CREATE TABLE IF NOT EXISTS orleans.grain_state (
    service_id      text NOT NULL,
    grain_type_hash int NOT NULL,
    grain_type      text NOT NULL,
    grain_id_hash   int NOT NULL,
    grain_id_n0     bigint NOT NULL,
    grain_id_n1     bigint NOT NULL,
    grain_id_ext    text NULL,
    payload         bytea NULL,
    version         int NOT NULL,
    modified_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT grain_state_identity UNIQUE NULLS NOT DISTINCT (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_ext)
);
