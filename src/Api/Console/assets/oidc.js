// Sign-in through the organisation's identity provider: its button on the sign-in screen, and why a sign-in that came
// back from it was refused. The gateway sends only a code back (?signin_error=…); the words are here, so a crafted
// link cannot make this page say anything else.
import { call } from './api.js';
import { el, showError } from './dom.js';

const refusals = {
  expired: 'The sign-in took too long, or was started in another browser. Sign in again.',
  state: 'The identity provider\'s answer does not belong to the sign-in this browser started. Sign in again.',
  denied: 'The identity provider did not sign you in.',
  failed: 'The identity provider\'s answer could not be verified. Sign in again.',
  unavailable: 'The identity provider cannot be reached right now. Try again shortly.',
  no_role: 'You are signed in at your organisation, but none of your groups may use this console. Ask an administrator for access.',
};

/** Adds "Sign in with <provider>" to the sign-in form when the gateway offers it, and shows why the last such sign-in was refused. */
export async function addProviderSignIn(form, error) {
  const code = new URLSearchParams(location.search).get('signin_error');
  if (code) {
    showError(error, new Error(refusals[code] ?? refusals.failed));
    history.replaceState(null, '', '/console/' + location.hash);
  }
  let provider;
  try {
    provider = await call('GET', '/console/oidc');
  } catch (failure) {
    if (failure.status === 404) return; // Not configured: admin tokens only.
    throw failure;
  }
  form.append(el('p', { class: 'or' }, 'or'),
    el('a', { href: '/console/oidc/start', class: 'button', id: 'provider-sign-in' }, `Sign in with ${provider.display_name}`));
}
