// A real OpenID Connect provider for the test suite: the certified `oidc-provider` package,
// on loopback, with one plain sign-in page instead of a user database.
//
//   node tests/oidc/provider.mjs PORT CLIENTS_JSON
//
// CLIENTS_JSON is a list of clients ({client_id, client_secret, redirect_uris,
// post_logout_redirect_uris}). People are set by the tests over loopback:
//   PUT    /test-admin/accounts/<id>   {"email": ..., "email_verified": true, "groups": [...]}
//   DELETE /test-admin/accounts/<id>   (the person leaves: the provider no longer knows them)
// The sign-in page (/interaction/<uid>) takes `login` (an account id) and `mfa` ("1" when a
// second factor was used: the ID token's amr is then ["pwd", "mfa", "otp"], else ["pwd"]).
// Everything else (discovery, PKCE, tokens, signatures, sign-out) is the package's own.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const clients = JSON.parse(process.argv[3]);
const issuer = `http://127.0.0.1:${port}`;
const accounts = new Map();

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  cookies: { keys: ['casework-test-provider-cookie-key'] },
  claims: {
    openid: ['sub', 'amr'], // amr: how the person signed in (a second factor or not)
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  conformIdTokenClaims: false, // the ID token carries the claims asked for (as most providers do)
  pkce: { methods: ['S256'], required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const person = accounts.get(id);
    if (!person) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...person }) };
  },
  // First-party client: no consent screen (the documented way to skip it).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
});

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><title>Test provider sign-in</title>
<form method="post" action="/interaction/${uid}/login">
<label>Account <input name="login"></label>
<label><input type="checkbox" name="mfa" value="1"> Second factor used</label>
<button>Sign in</button></form>`);
    return;
  }
  if (action !== 'login') throw new Error('unknown action');
  const form = new URLSearchParams(await readBody(req));
  const accountId = form.get('login');
  if (!accounts.has(accountId)) {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'The provider does not know this person.',
    }, { mergeWithLastSubmission: false });
    return;
  }
  const amr = form.get('mfa') === '1' ? ['pwd', 'mfa', 'otp'] : ['pwd'];
  await provider.interactionFinished(req, res, { login: { accountId, amr } },
    { mergeWithLastSubmission: false });
}

async function admin(req, res, id) {
  if (req.method === 'PUT') {
    accounts.set(id, JSON.parse(await readBody(req)));
  } else if (req.method === 'DELETE') {
    accounts.delete(id);
  }
  res.statusCode = 204;
  res.end();
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  const url = new URL(req.url, issuer);
  const page = url.pathname.match(/^\/interaction\/([\w-]+)(?:\/(\w+))?$/);
  const person = url.pathname.match(/^\/test-admin\/accounts\/([\w.@-]+)$/);
  const work = page ? interaction(req, res, page[1], page[2])
    : person ? admin(req, res, person[1]) : null;
  if (!work) {
    handle(req, res);
    return;
  }
  work.catch((err) => {
    res.statusCode = 400;
    res.end(String(err && err.message));
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
