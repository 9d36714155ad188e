-- The query rows Orleans' ADO.NET providers load at start (re-applied on every start, so upgrades ship new text).
-- Parameters arrive as @Name; result columns are read by name (case-insensitively), except Clear's, read by position.
INSERT INTO orleans.orleansquery (querykey, querytext) VALUES

-- Runs on every silo start: creates the cluster's version row once; answers 1 when it did, 0 when it existed.
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans.cluster_version (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1)
SELECT count(*)::int FROM created$q$),

-- Adds a silo row only if the table version is still the one the silo read, bumping it in the same statement.
('InsertMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans.cluster_version SET version = version + 1, changed_at = now()
    WHERE deployment_id = @DeploymentId AND version = @Version
      AND NOT EXISTS (SELECT 1 FROM orleans.cluster_member x
                      WHERE x.deployment_id = @DeploymentId AND x.address = @Address
                        AND x.port = @Port AND x.generation = @Generation)
    RETURNING deployment_id),
added AS (
    INSERT INTO orleans.cluster_member (deployment_id, address, port, generation, silo_name, host_name, status,
                                        proxy_port, start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM bumped
    ON CONFLICT DO NOTHING
    RETURNING 1)
SELECT count(*)::int FROM added$q$),

-- Changes a silo's status and suspicions under the same version check.
('UpdateMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans.cluster_version SET version = version + 1, changed_at = now()
    WHERE deployment_id = @DeploymentId AND version = @Version
      AND EXISTS (SELECT 1 FROM orleans.cluster_member x
                  WHERE x.deployment_id = @DeploymentId AND x.address = @Address
                    AND x.port = @Port AND x.generation = @Generation)
    RETURNING 1),
changed AS (
    UPDATE orleans.cluster_member
    SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = GREATEST(i_am_alive_time, @IAmAliveTime)
    WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
      AND EXISTS (SELECT 1 FROM bumped)
    RETURNING 1)
SELECT count(*)::int FROM changed$q$),

-- Liveness heartbeat; never changes the table version and never moves time backwards.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans.cluster_member SET i_am_alive_time = GREATEST(i_am_alive_time, @IAmAliveTime)
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation$q$),

-- Always at least one row (the version); a NULL StartTime means "no member on this row".
('MembershipReadAllKey', $q$
SELECT v.version AS Version, m.address AS Address, m.port AS Port, m.generation AS Generation,
       m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
       m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime
FROM orleans.cluster_version v
LEFT JOIN orleans.cluster_member m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId$q$),

('MembershipReadRowKey', $q$
SELECT v.version AS Version, m.address AS Address, m.port AS Port, m.generation AS Generation,
       m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
       m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime
FROM orleans.cluster_version v
LEFT JOIN orleans.cluster_member m ON m.deployment_id = v.deployment_id
      AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId$q$),

('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans.cluster_member WHERE deployment_id = @DeploymentId;
DELETE FROM orleans.cluster_version WHERE deployment_id = @DeploymentId$q$),

('GatewaysQueryKey', $q$
SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
FROM orleans.cluster_member
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0$q$),

-- Removes dead silos (status 6) that have not been heard of since the cutoff.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans.cluster_member
WHERE deployment_id = @DeploymentId AND status = 6 AND i_am_alive_time < @IAmAliveTime$q$),

-- Zero or one row: PayloadBinary (bytea) and Version.
('ReadFromStorageKey', $q$
SELECT payload AS PayloadBinary, version AS Version
FROM orleans.grain_state
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString$q$),

-- Insert when the caller holds no version (only if no row exists), else update where the version matches.
-- No row back means a conflict, which Orleans reports as InconsistentStateException.
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleans.grain_state
    SET payload = @PayloadBinary, version = version + 1, modified_at = now()
    WHERE @GrainStateVersion IS NOT NULL AND version = @GrainStateVersion
      AND service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString
    RETURNING version),
inserted AS (
    INSERT INTO orleans.grain_state (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1,
                                     grain_id_ext, payload, version)
    SELECT @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0, @GrainIdN1,
           @GrainIdExtensionString, @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT ON CONSTRAINT grain_state_identity DO NOTHING
    RETURNING version)
SELECT version AS NewGrainStateVersion FROM updated
UNION ALL
SELECT version FROM inserted$q$),

-- Clearing keeps the row with a NULL payload and a new version (read by position).
('ClearStorageKey', $q$
UPDATE orleans.grain_state SET payload = NULL, version = version + 1, modified_at = now()
WHERE version = @GrainStateVersion AND service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString
RETURNING version AS NewGrainStateVersion$q$)

ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
