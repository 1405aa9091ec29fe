// A fake Microsoft identity platform and Graph for the "Test connection" tests. The store is
// pointed at it with --microsoft-authority and --microsoft-graph. It checks a client assertion
// the way Entra does: the signature against a certificate the test "uploaded", x5t, aud, iss and
// sub, exp and nbf, and a jti never seen before; it answers with Entra-shaped errors (the
// AADSTS numbers only where Microsoft's documentation gives them; other refusals carry none).

import http from 'node:http';
import { verify, randomUUID } from 'node:crypto';
import { X509Certificate } from 'node:crypto';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default';

const b64url = (s) => Buffer.from(s, 'base64url');
const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function startFakeEntra() {
  /** tenant id → { displayName, domains, apps: Map(app id → { certs, consent, exchangeRole }) } */
  const tenants = new Map();
  const seenJti = new Set();
  const issued = new Map(); // access token → { tenant, app, scope }
  /** Every token request's form, for tests that look at what the store sent. */
  const requests = [];
  let base;

  const fail = (res, status, error, description, code) =>
    json(res, status, { error, error_description: description, error_codes: code ? [code] : [], timestamp: new Date().toISOString() });

  function token(res, tenantId, form) {
    requests.push(Object.fromEntries(form));
    const tenant = tenants.get(tenantId);
    if (!tenant) {
      return fail(res, 400, 'invalid_request', `AADSTS90002: Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`, 90002);
    }
    if (form.get('grant_type') !== 'client_credentials') return fail(res, 400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.', 70003);
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) return fail(res, 400, 'invalid_request', 'client_assertion_type must be jwt-bearer.', undefined);
    const appId = form.get('client_id');
    const app = tenant.apps.get(appId);
    if (!app) {
      return fail(res, 400, 'unauthorized_client', `AADSTS700016: Application with identifier '${appId}' was not found in the directory '${tenant.displayName}'.`, 700016);
    }
    const parts = (form.get('client_assertion') ?? '').split('.');
    if (parts.length !== 3) return fail(res, 401, 'invalid_client', 'The client assertion is not a well-formed JWT.', undefined);
    let header, claims;
    try {
      header = JSON.parse(b64url(parts[0]).toString());
      claims = JSON.parse(b64url(parts[1]).toString());
    } catch {
      return fail(res, 401, 'invalid_client', 'The client assertion is not a well-formed JWT.', undefined);
    }
    if (header.alg !== 'RS256' || header.typ !== 'JWT') {
      return fail(res, 401, 'invalid_client', `The client assertion's algorithm '${header.alg}' is not supported (RS256 and typ JWT expected).`, undefined);
    }
    const thumbprint = b64url(header.x5t ?? '').toString('hex').toUpperCase();
    const cert = app.certs.find((c) => c.fingerprint.replaceAll(':', '') === thumbprint);
    if (!cert) {
      return fail(res, 401, 'invalid_client', `AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}']`, 700027);
    }
    const signed = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), cert.publicKey, b64url(parts[2]));
    if (!signed) {
      return fail(res, 401, 'invalid_client', 'AADSTS700027: Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value.]', 700027);
    }
    const audience = `${base}/${tenantId}/oauth2/v2.0/token`;
    if (claims.aud !== audience) {
      return fail(res, 401, 'invalid_client', `The client assertion's audience '${claims.aud}' is not this tenant's token endpoint.`, undefined);
    }
    if (claims.iss !== appId || claims.sub !== appId) {
      return fail(res, 401, 'invalid_client', 'The client assertion\'s iss and sub must both be the client id.', undefined);
    }
    const now = Date.now() / 1000;
    if (!(claims.nbf <= now + 60) || !(claims.exp > now) || claims.exp - claims.nbf > 600) {
      return fail(res, 401, 'invalid_client', 'AADSTS700024: Client assertion is not within its valid time range.', 700024);
    }
    if (!claims.jti || seenJti.has(claims.jti)) {
      return fail(res, 401, 'invalid_client', 'The client assertion was already used: its jti has been presented before (a replay).', undefined);
    }
    seenJti.add(claims.jti);
    const scope = form.get('scope');
    if (scope !== GRAPH_SCOPE && scope !== EXCHANGE_SCOPE) return fail(res, 400, 'invalid_scope', `AADSTS70011: The provided value for scope ${scope} is not valid.`, 70011);
    const roles = scope === EXCHANGE_SCOPE ? (app.exchangeRole ? ['Exchange.ManageAsApp'] : []) : (app.consent ? ['Organization.Read.All'] : []);
    const payload = Buffer.from(JSON.stringify({ aud: scope.replace('/.default', ''), tid: tenantId, appid: appId, roles })).toString('base64url');
    const accessToken = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${payload}.${randomUUID()}`;
    issued.set(accessToken, { tenantId, appId, scope });
    return json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
  }

  function organization(req, res) {
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const grant = issued.get(bearer);
    if (!grant || grant.scope !== GRAPH_SCOPE) {
      return json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } });
    }
    const tenant = tenants.get(grant.tenantId);
    if (!tenant.apps.get(grant.appId).consent) {
      return json(res, 403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
    }
    return json(res, 200, {
      value: [{ id: grant.tenantId, displayName: tenant.displayName,
        verifiedDomains: tenant.domains.map((name, i) => ({ name, isDefault: i === 0, isInitial: name.endsWith('.onmicrosoft.com'), type: 'Managed' })) }],
    });
  }

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const url = new URL(req.url, base);
      const m = url.pathname.match(/^\/([^/]+)\/oauth2\/v2\.0\/token$/);
      if (req.method === 'POST' && m) return token(res, m[1], new URLSearchParams(body));
      if (req.method === 'GET' && url.pathname === '/v1.0/organization') return organization(req, res);
      return json(res, 404, { error: 'not_found' });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;

  return {
    url: base,
    requests,
    /** Every access token handed out. */
    tokens: () => [...issued.keys()],
    /** A tenant with its display name and verified domains. */
    addTenant(tenantId, { displayName, domains }) {
      tenants.set(tenantId, { displayName, domains, apps: new Map() });
    },
    /** An app registration: uploaded certificates (PEM), admin consent, the Exchange role. */
    addApp(tenantId, appId, { certificates = [], consent = true, exchangeRole = true } = {}) {
      tenants.get(tenantId).apps.set(appId, { certs: certificates.map((pem) => new X509Certificate(pem)), consent, exchangeRole });
    },
    uploadCertificate(tenantId, appId, pem) {
      tenants.get(tenantId).apps.get(appId).certs.push(new X509Certificate(pem));
    },
    stop: () => new Promise((r) => server.close(r)),
  };
}
