// The console's shell: who is signed in, the navigation, and which screen the address (#/…) shows.
import { currentSession, isOrgAdmin, loadSession, signIn, signOut } from './api.js';
import { el, errorSlot, field, fill, showError } from './dom.js';
import { renderKeys } from './keys.js';
import { renderLogs } from './logs.js';
import { renderLogDetail } from './logdetail.js';
import { renderOverview } from './overview.js';
import { renderSpend } from './spend.js';
import { addProviderSignIn } from './oidc.js';
import { renderWorkspace, renderWorkspaces } from './workspaces.js';
import { renderProvider, renderProviders } from './providers.js';
import { renderModels } from './models.js';
import { renderConfigs } from './configs.js';
import { renderUsers } from './users.js';
import { renderAdminTokens } from './admintokens.js';
import { renderIdentityProviders } from './identityproviders.js';
import { renderAudit } from './audit.js';

const main = document.getElementById('main');

// Each screen: who may open it (as the API would allow its reads) and how it is drawn.
const screens = [
  { path: /^\/overview$/, nav: 'Overview', href: '#/overview', render: () => renderOverview(main) },
  { path: /^\/logs\/([^/?]+)$/, render: (m, params) => renderLogDetail(main, decodeURIComponent(m[1]), params) },
  { path: /^\/logs$/, nav: 'Logs', href: '#/logs', render: (m, params) => renderLogs(main, params) },
  { path: /^\/spend$/, nav: 'Spend', href: '#/spend', render: (m, params) => renderSpend(main, params) },
  { path: /^\/keys$/, nav: 'Keys', href: '#/keys', roles: ['org_admin', 'workspace_admin'], render: (m, params) => renderKeys(main, params) },
  { path: /^\/workspaces\/([^/?]+)$/, href: '#/workspaces', render: m => renderWorkspace(main, decodeURIComponent(m[1])) },
  { path: /^\/workspaces$/, nav: 'Workspaces', href: '#/workspaces', render: (m, params) => renderWorkspaces(main, params) },
  { path: /^\/providers\/([^/?]+)$/, href: '#/providers', orgAdmin: true, render: m => renderProvider(main, decodeURIComponent(m[1])) },
  { path: /^\/providers$/, nav: 'Providers', href: '#/providers', orgAdmin: true, render: (m, params) => renderProviders(main, params) },
  { path: /^\/users$/, nav: 'Users', href: '#/users', render: (m, params) => renderUsers(main, params) },
  { path: /^\/configs$/, nav: 'Routing', href: '#/configs', render: (m, params) => renderConfigs(main, params) },
  { path: /^\/models$/, nav: 'Models', href: '#/models', render: (m, params) => renderModels(main, params) },
  { path: /^\/identity-providers$/, nav: 'Identity providers', href: '#/identity-providers', orgAdmin: true, render: (m, params) => renderIdentityProviders(main, params) },
  { path: /^\/admin-tokens$/, nav: 'Admin tokens', href: '#/admin-tokens', orgAdmin: true, render: (m, params) => renderAdminTokens(main, params) },
  { path: /^\/audit$/, nav: 'Audit', href: '#/audit', render: (m, params) => renderAudit(main, params) },
];

// A screen's `roles` (or `orgAdmin`) are the roles whose API reads it makes are allowed; no restriction: every role.
function mayOpen(screen) {
  if (screen.orgAdmin && !isOrgAdmin()) return false;
  return !screen.roles || screen.roles.includes(currentSession()?.role);
}

function parseHash() {
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
  return { path: path || '/', params: new URLSearchParams(search) };
}

async function route() {
  if (!currentSession()) return renderSignIn();
  const { path, params } = parseHash();
  for (const screen of screens) {
    const match = screen.path.exec(path);
    if (!match) continue;
    if (!mayOpen(screen)) break;
    markCurrent(screen.href);
    main.focus();
    return screen.render(match, params);
  }
  location.hash = '#/overview';
}

function markCurrent(href) {
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === href) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function showShell() {
  const session = currentSession();
  document.getElementById('top').hidden = !session;
  if (!session) return;
  fill(document.getElementById('nav'),
    screens.filter(s => s.nav && mayOpen(s)).map(s => el('a', { href: s.href }, s.nav)));
  const scope = session.workspaces.length ? ` · ${session.workspaces.join(', ')}` : '';
  fill(document.getElementById('who'), `${session.name} (${session.role}${scope})`);
}

function renderSignIn() {
  showShell();
  const error = errorSlot();
  const form = el('form', { id: 'sign-in', class: 'card narrow' },
    el('h1', {}, 'Sign in'),
    el('p', {}, 'Sign in with an admin token. It is sent once to open a session and is not kept in this page.'),
    field('Admin token', 'token', { type: 'password', required: true, autocomplete: 'off' }),
    error,
    el('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const input = form.elements.token;
    try {
      await signIn(input.value.trim());
      input.value = '';
      showShell();
      if (!location.hash || location.hash === '#/') location.hash = '#/overview';
      else await route();
    } catch (failure) {
      showError(error, failure);
    }
  });
  fill(main, form);
  form.elements.token.focus();
  addProviderSignIn(form, error).catch(failure => showError(error, failure));
}

document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    await signOut();
  } finally {
    location.hash = '';
    showShell();
    renderSignIn();
  }
});
window.addEventListener('console:signed-out', () => renderSignIn());
window.addEventListener('hashchange', () => route().catch(showFailure));

function showFailure(failure) {
  fill(main, el('p', { class: 'error', role: 'alert' }, failure.message));
}

loadSession().then(() => {
  showShell();
  return route();
}).catch(showFailure);
