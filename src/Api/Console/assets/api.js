// The console's only way to data: the admin API, with the session cookie; unsafe methods carry the session's CSRF token.

let session = null;

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

export function currentSession() {
  return session;
}

export function isOrgAdmin() {
  return session?.role === 'org_admin';
}

/** Calls the admin API (or the console's session endpoints); the JSON answer, or an ApiError with the API's message. */
export async function call(method, path, body, headers = {}) {
  const unsafe = !['GET', 'HEAD'].includes(method);
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(unsafe && session ? { 'X-CSRF-Token': session.csrf_token } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, 'invalid_response', `The gateway answered ${response.status} without JSON.`);
  }
  if (!response.ok) {
    if (response.status === 401 && session && !path.startsWith('/console/session')) {
      session = null;
      window.dispatchEvent(new Event('console:signed-out'));
    }
    throw new ApiError(response.status, json?.error?.type ?? 'error', json?.error?.message ?? `Request failed with status ${response.status}.`);
  }
  return json;
}

/** The session of this browser's cookie, if any. */
export async function loadSession() {
  try {
    session = await call('GET', '/console/session');
  } catch (error) {
    if (error.status !== 401) throw error;
    session = null;
  }
  return session;
}

/** Signs in with an admin token: the token goes to the gateway once and is kept nowhere in the page. */
export async function signIn(token) {
  session = await call('POST', '/console/session', undefined, { Authorization: `Bearer ${token}` });
  return session;
}

export async function signOut() {
  try {
    await call('DELETE', '/console/session');
  } finally {
    session = null;
  }
}

/** A query string from the non-empty entries of an object. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
