// A fake AWS STS for the end-to-end tests. The store is pointed at it with --aws-sts-endpoint and
// given the operator's key below in its environment. It checks what STS checks: every request is
// signed with Signature Version 4 (checked here with node:crypto, not with the store's own code),
// by a key it knows, within 15 minutes of its time, for us-east-1 and sts; AssumeRole comes from
// the operator's key, names a role whose trust policy names Xops's account, and carries that
// role's External ID; GetCallerIdentity comes from a role's temporary key with its session token.
// Refusals are STS-shaped XML, with AWS's codes.

import http from 'node:http';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The operator's own AWS key, as the store's environment gives it. */
export const OPERATOR = { AWS_ACCESS_KEY_ID: 'AKIAXOPSOPERATOR0001', AWS_SECRET_ACCESS_KEY: 'operator/secret/0123456789abcdefghijklmnopqrstuv' };

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

function xml(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(body);
}

function refuse(res, status, code, message) {
  xml(res, status, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`);
}

export async function startFakeSts({ xopsAccount }) {
  /** role ARN → { externalId, trustsXops } */
  const roles = new Map();
  /** temporary key id → { secret, token, arn } */
  const temporary = new Map();
  /** Every request: { action, params, keyId, outcome }. */
  const requests = [];

  /** The key that signed the request, or why the signature does not hold. */
  function signer(req, body) {
    const auth = req.headers.authorization ?? '';
    const m = auth.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/);
    if (!m) return { code: 'IncompleteSignature', why: 'The Authorization header is not a Signature Version 4 header.' };
    const [, keyId, date, region, service, signedHeaders, signature] = m;
    const amzDate = req.headers['x-amz-date'] ?? '';
    if (region !== 'us-east-1' || service !== 'sts') return { code: 'SignatureDoesNotMatch', why: `Credential should be scoped to us-east-1/sts, not ${region}/${service}.` };
    if (!amzDate.startsWith(date)) return { code: 'SignatureDoesNotMatch', why: 'The credential date is not the X-Amz-Date.' };
    const at = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!(Math.abs(Date.now() - at) < 15 * 60_000)) return { code: 'SignatureDoesNotMatch', why: 'Signature expired: the request time is more than 15 minutes away.' };
    const signed = signedHeaders.split(';');
    for (const required of ['host', 'x-amz-date']) {
      if (!signed.includes(required)) return { code: 'SignatureDoesNotMatch', why: `${required} must be signed.` };
    }
    const temp = temporary.get(keyId);
    const secret = keyId === OPERATOR.AWS_ACCESS_KEY_ID ? OPERATOR.AWS_SECRET_ACCESS_KEY : temp?.secret;
    if (!secret) return { code: 'InvalidClientTokenId', why: 'The security token included in the request is invalid.' };
    if (temp && (req.headers['x-amz-security-token'] !== temp.token || !signed.includes('x-amz-security-token'))) {
      return { code: 'InvalidClientTokenId', why: 'A temporary key needs its session token, signed.' };
    }
    const headers = signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
    const canonical = ['POST', '/', '', headers, signedHeaders, sha256(body)].join('\n');
    const toSign = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/${service}/aws4_request`, sha256(canonical)].join('\n');
    const key = ['us-east-1', 'sts', 'aws4_request'].reduce((k, part) => hmac(k, part), hmac(`AWS4${secret}`, date));
    const expected = hmac(key, toSign);
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
      return { code: 'SignatureDoesNotMatch', why: 'The request signature we calculated does not match the signature you provided.' };
    }
    return { keyId, temp };
  }

  function assumeRole(res, params, from) {
    const arn = params.get('RoleArn') ?? '';
    const session = params.get('RoleSessionName') ?? '';
    const duration = Number(params.get('DurationSeconds') ?? 3600);
    if (from.keyId !== OPERATOR.AWS_ACCESS_KEY_ID) return ['AccessDenied', refuse(res, 403, 'AccessDenied', 'Roles are assumed with the operator\'s key here.')];
    if (!/^[\w+=,.@-]{2,64}$/.test(session)) return ['ValidationError', refuse(res, 400, 'ValidationError', `RoleSessionName '${session}' is not valid.`)];
    if (!(duration >= 900 && duration <= 43200)) return ['ValidationError', refuse(res, 400, 'ValidationError', 'DurationSeconds must be 900 to 43200.')];
    const role = roles.get(arn);
    // AWS says the same for a missing role, an untrusting policy and a wrong External ID.
    if (!role || !role.trustsXops || role.externalId !== params.get('ExternalId')) {
      return ['AccessDenied', refuse(res, 403, 'AccessDenied', `User: arn:aws:iam::${xopsAccount}:user/xops is not authorized to perform: sts:AssumeRole on resource: ${arn}`)];
    }
    const keyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const secret = randomBytes(30).toString('base64');
    const token = randomBytes(60).toString('base64');
    temporary.set(keyId, { secret, token, arn, session });
    const account = arn.split(':')[4];
    const name = arn.split('/').pop();
    xml(res, 200, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/${name}/${session}</Arn><AssumedRoleId>AROA${randomBytes(6).toString('hex').toUpperCase()}:${session}</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>${keyId}</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey><SessionToken>${token}</SessionToken><Expiration>${new Date(Date.now() + duration * 1000).toISOString()}</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></AssumeRoleResponse>`);
    return ['ok'];
  }

  function callerIdentity(res, from) {
    if (!from.temp) {
      xml(res, 200, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::${xopsAccount}:user/xops</Arn><UserId>AIDA</UserId><Account>${xopsAccount}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`);
      return ['ok'];
    }
    const { arn, session } = from.temp;
    const account = arn.split(':')[4];
    xml(res, 200, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::${account}:assumed-role/${arn.split('/').pop()}/${session}</Arn><UserId>AROA:${session}</UserId><Account>${account}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`);
    return ['ok'];
  }

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const action = params.get('Action');
      const from = signer(req, body);
      const entry = { action, params: Object.fromEntries(params), keyId: from.keyId };
      requests.push(entry);
      if (from.why) {
        entry.outcome = from.code;
        return refuse(res, 403, from.code, from.why);
      }
      if (req.method !== 'POST' || req.url !== '/' || !/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
        entry.outcome = 'InvalidAction';
        return refuse(res, 400, 'InvalidAction', 'STS takes a form POST to /.');
      }
      if (params.get('Version') !== '2011-06-15') {
        entry.outcome = 'InvalidAction';
        return refuse(res, 400, 'InvalidAction', 'Version must be 2011-06-15.');
      }
      [entry.outcome] = action === 'AssumeRole' ? assumeRole(res, params, from)
        : action === 'GetCallerIdentity' ? callerIdentity(res, from)
          : ['InvalidAction', refuse(res, 400, 'InvalidAction', `Could not find operation ${action}.`)];
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    /** A role in a customer's account: trusted by Xops's account, with this External ID. */
    addRole(arn, externalId) {
      roles.set(arn, { externalId, trustsXops: true });
    },
    /** The customer edits the role's trust policy. */
    trust(arn, trustsXops) {
      roles.get(arn).trustsXops = trustsXops;
    },
    stop: () => new Promise((r) => server.close(r)),
  };
}
