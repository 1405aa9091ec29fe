// A fake Microsoft identity platform, Graph and Azure Resource Manager for the "Test connection"
// and renewal tests. The store is pointed at it with --microsoft-authority, --microsoft-graph and
// --azure-resource-manager. It checks a client
// assertion the way Entra does: the signature against a certificate the test "uploaded", x5t, aud,
// iss and sub, exp and nbf, and a jti never seen before; it answers with Entra-shaped errors (the
// AADSTS numbers only where Microsoft's documentation gives them; other refusals carry none).
// Graph's addKey and removeKey check the proof of possession as Microsoft documents it: signed
// (RS256) by a certificate the app holds (x5t), aud the configured audience, iss the app's object
// ID, at most ten minutes long and current; and an app-only token for that very app.

import http from 'node:http';
import { verify, randomUUID } from 'node:crypto';
import { X509Certificate } from 'node:crypto';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default';
const ARM_SCOPE = 'https://management.azure.com/.default';

const b64url = (s) => Buffer.from(s, 'base64url');
const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000';

/** The app's certificate that signed `jwt` (by x5t and signature), or why none did. */
function signer(app, jwt) {
  const parts = (jwt ?? '').split('.');
  if (parts.length !== 3) return { why: 'not a well-formed JWT' };
  let header, claims;
  try {
    header = JSON.parse(b64url(parts[0]).toString());
    claims = JSON.parse(b64url(parts[1]).toString());
  } catch {
    return { why: 'not a well-formed JWT' };
  }
  if (header.alg !== 'RS256') return { why: `algorithm ${header.alg} is not RS256` };
  const thumbprint = b64url(header.x5t ?? '').toString('hex').toUpperCase();
  const cert = app.certs.find((c) => c.fingerprint.replaceAll(':', '') === thumbprint);
  if (!cert) return { why: `no certificate of the app has thumbprint ${thumbprint}` };
  if (!verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), cert.publicKey, b64url(parts[2]))) return { why: 'the signature does not match' };
  return { cert, claims, thumbprint };
}

export async function startFakeEntra({ proofAudience = PROOF_AUDIENCE } = {}) {
  /** tenant id → { displayName, domains, apps: Map(app id → { certs, consent, exchangeRole }) } */
  const tenants = new Map();
  const seenJti = new Set();
  /** How far the fake's clock is ahead of the machine's (tests of assertions signed for later). */
  let clockOffsetMs = 0;
  const nowMs = () => Date.now() + clockOffsetMs;
  /** `subscription:ID` or `group:ID` → { tenantId, displayName, state, roles: { app id → 'Reader' | 'Owner' | [actions] } } */
  const scopes = new Map();
  const issued = new Map(); // access token → { tenant, app, scope }
  /** Every token request's form, for tests that look at what the store sent. */
  const requests = [];
  /** Every addKey and removeKey call that reached the proof check, with its outcome. */
  const keyRequests = [];
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
    const now = nowMs() / 1000;
    if (!(claims.nbf <= now + 60) || !(claims.exp > now) || claims.exp - claims.nbf > 600) {
      return fail(res, 401, 'invalid_client', 'AADSTS700024: Client assertion is not within its valid time range.', 700024);
    }
    if (!claims.jti || seenJti.has(claims.jti)) {
      return fail(res, 401, 'invalid_client', 'The client assertion was already used: its jti has been presented before (a replay).', undefined);
    }
    seenJti.add(claims.jti);
    const scope = form.get('scope');
    if (scope !== GRAPH_SCOPE && scope !== EXCHANGE_SCOPE && scope !== ARM_SCOPE) return fail(res, 400, 'invalid_scope', `AADSTS70011: The provided value for scope ${scope} is not valid.`, 70011);
    // An app-only token carries the application permissions an administrator consented to: none without consent.
    const exchangeRoles = app.exchangeRole ? ['Exchange.ManageAsApp'] : ['full_access_as_app'];
    const roles = !app.consent ? [] : scope === EXCHANGE_SCOPE ? exchangeRoles : ['Organization.Read.All'];
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

  const armError = (res, status, code, message) => json(res, status, { error: { code, message } });

  /** Resource Manager as Azure answers an app: a subscription (or management group) exists for it
   * only if the app has a role there (404, as Azure says, otherwise); its permissions are its role's. */
  function resourceManager(req, res, url) {
    const grant = issued.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!grant || grant.scope !== ARM_SCOPE) return armError(res, 401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    if (url.searchParams.get('api-version') === null) return armError(res, 400, 'MissingApiVersionParameter', 'The api-version query parameter is required.');
    const m = url.pathname.match(/^\/(subscriptions\/([^/]+)|providers\/Microsoft\.Management\/managementGroups\/([^/]+))(\/providers\/Microsoft\.Authorization\/permissions)?$/);
    if (!m) return armError(res, 404, 'NotFound', `No route ${url.pathname}.`);
    const [, , subscriptionId, groupId, permissions] = m;
    const scope = subscriptionId ? scopes.get(`subscription:${subscriptionId}`) : scopes.get(`group:${groupId}`);
    const role = scope?.tenantId === grant.tenantId ? scope.roles[grant.appId] : undefined;
    if (!role) {
      return subscriptionId
        ? armError(res, 404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`)
        : armError(res, 403, 'AuthorizationFailed', `The client '${grant.appId}' does not have authorization to perform action 'Microsoft.Management/managementGroups/read' over scope '/providers/Microsoft.Management/managementGroups/${groupId}'.`);
    }
    if (permissions) {
      const actions = role === 'Reader' ? ['*/read'] : role === 'Owner' ? ['*'] : role;
      return json(res, 200, { value: [{ actions, notActions: [], dataActions: [], notDataActions: [] }] });
    }
    return subscriptionId
      ? json(res, 200, { id: `/subscriptions/${subscriptionId}`, subscriptionId, displayName: scope.displayName, state: scope.state, tenantId: scope.tenantId })
      : json(res, 200, { id: `/providers/Microsoft.Management/managementGroups/${groupId}`, name: groupId, properties: { displayName: scope.displayName, tenantId: scope.tenantId } });
  }

  const graphError = (res, status, code, message) => json(res, status, { error: { code, message, innerError: { date: new Date().toISOString() } } });

  /** Graph's addKey and removeKey: `{ app, tenant }` after the token and proof check out, or an answer sent. */
  function keyAction(req, res, appId, body) {
    const grant = issued.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!grant || grant.scope !== GRAPH_SCOPE) return void graphError(res, 401, 'InvalidAuthenticationToken', 'Access token validation failure.');
    // An application may roll only its own keys (no permission grants more here).
    if (grant.appId !== appId) return void graphError(res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const app = tenants.get(grant.tenantId).apps.get(appId);
    const proof = signer(app, body.proof);
    const now = nowMs() / 1000;
    let why = proof.why;
    if (!why && proof.claims.aud !== proofAudience) why = `the audience '${proof.claims.aud}' is not ${proofAudience}`;
    if (!why && proof.claims.iss !== app.objectId) why = `the issuer '${proof.claims.iss}' is not the application's object ID`;
    if (!why && !(proof.claims.nbf <= now + 60 && proof.claims.exp > now)) why = 'it is not within its valid time range';
    if (!why && proof.claims.exp - proof.claims.nbf > 600) why = 'it lives longer than 10 minutes';
    if (!why && Date.parse(proof.cert.validTo) < nowMs()) why = 'the certificate that signed it has expired';
    if (why) {
      keyRequests.push({ ok: false, why });
      return void graphError(res, 400, 'Request_BadRequest', `Proof of possession token validation failed: ${why}.`);
    }
    keyRequests.push({ ok: true, body });
    return { app, tenantId: grant.tenantId };
  }

  function addKey(req, res, appId, body) {
    const ok = keyAction(req, res, appId, body);
    if (!ok) return;
    const cred = body.keyCredential ?? {};
    if (cred.type !== 'AsymmetricX509Cert' || cred.usage !== 'Verify' || !cred.key) {
      return graphError(res, 400, 'Request_BadRequest', 'keyCredential must be an AsymmetricX509Cert for Verify with its key.');
    }
    let cert;
    try {
      cert = new X509Certificate(Buffer.from(cred.key, 'base64'));
    } catch {
      return graphError(res, 400, 'Request_BadRequest', 'The key credential is not a certificate.');
    }
    if (ok.app.policy === 'trustedOnly' && cert.issuer === cert.subject) {
      return graphError(res, 400, 'Request_BadRequest', 'Credential not allowed as per assigned policy: certificates must be issued by a trusted certificate authority');
    }
    const keyId = randomUUID();
    cert.keyId = keyId;
    ok.app.certs.push(cert);
    return json(res, 200, { keyId, type: 'AsymmetricX509Cert', usage: 'Verify', customKeyIdentifier: cert.fingerprint.replaceAll(':', ''),
      startDateTime: new Date(cert.validFrom).toISOString(), endDateTime: new Date(cert.validTo).toISOString() });
  }

  function removeKey(req, res, appId, body) {
    const ok = keyAction(req, res, appId, body);
    if (!ok) return;
    const i = ok.app.certs.findIndex((c) => c.keyId === body.keyId);
    if (i < 0) return graphError(res, 404, 'Request_ResourceNotFound', `No key credential with keyId ${body.keyId}.`);
    ok.app.certs.splice(i, 1);
    res.writeHead(204);
    return res.end();
  }

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const url = new URL(req.url, base);
      const m = url.pathname.match(/^\/([^/]+)\/oauth2\/v2\.0\/token$/);
      if (req.method === 'POST' && m) return token(res, m[1], new URLSearchParams(body));
      if (req.method === 'GET' && url.pathname === '/v1.0/organization') return organization(req, res);
      if (req.method === 'GET' && /^\/(subscriptions|providers)\//.test(url.pathname)) return resourceManager(req, res, url);
      const key = url.pathname.match(/^\/v1\.0\/applications\(appId='([^']+)'\)\/(addKey|removeKey)$/);
      if (req.method === 'POST' && key) {
        let parsed;
        try {
          parsed = JSON.parse(body);
        } catch {
          return graphError(res, 400, 'BadRequest', 'The body is not JSON.');
        }
        return key[2] === 'addKey' ? addKey(req, res, key[1], parsed) : removeKey(req, res, key[1], parsed);
      }
      return json(res, 404, { error: 'not_found' });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;

  return {
    url: base,
    requests,
    keyRequests,
    /** Every access token handed out. */
    tokens: () => [...issued.keys()],
    /** A tenant with its display name and verified domains. */
    addTenant(tenantId, { displayName, domains }) {
      tenants.set(tenantId, { displayName, domains, apps: new Map() });
    },
    /** An app registration: uploaded certificates (PEM), admin consent, the Exchange role, its
     * object ID, and an app management policy (`trustedOnly`: no self-signed certificates). */
    addApp(tenantId, appId, { certificates = [], consent = true, exchangeRole = true, objectId = randomUUID(), policy } = {}) {
      const certs = certificates.map((pem) => Object.assign(new X509Certificate(pem), { keyId: randomUUID() }));
      tenants.get(tenantId).apps.set(appId, { certs, consent, exchangeRole, objectId, policy });
      return objectId;
    },
    /** An Azure subscription in a tenant; `roles` maps an app to its role there ('Reader', or the actions it may do). */
    addSubscription(tenantId, subscriptionId, { displayName = 'Production', state = 'Enabled', roles = {} } = {}) {
      scopes.set(`subscription:${subscriptionId.toLowerCase()}`, { tenantId, displayName, state, roles });
    },
    /** The portal's Upload certificate; returns its Certificate ID. */
    uploadCertificate(tenantId, appId, pem) {
      const cert = Object.assign(new X509Certificate(pem), { keyId: randomUUID() });
      tenants.get(tenantId).apps.get(appId).certs.push(cert);
      return cert.keyId;
    },
    /** The app's certificates as the portal lists them: { keyId, thumbprint, validTo }. */
    certificates(tenantId, appId) {
      return tenants.get(tenantId).apps.get(appId).certs.map((c) => ({ keyId: c.keyId, thumbprint: c.fingerprint.replaceAll(':', ''), validTo: c.validTo }));
    },
    /** An administrator grants (or takes back) consent to the app's permissions. */
    setConsent(tenantId, appId, consent) {
      tenants.get(tenantId).apps.get(appId).consent = consent;
    },
    /** Moves the fake's clock (only its own: the store's and the browser's stay). */
    setClockAhead(ms) {
      clockOffsetMs = ms;
    },
    stop: () => new Promise((r) => server.close(r)),
  };
}
