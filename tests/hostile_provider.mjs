// A hostile OpenID provider for the sign-in tests: discovery, a key set and an authorization
// endpoint like a real one, but ID tokens crafted wrong on purpose, since a certified provider
// never sends a bad one. POST /mode/NAME chooses how the next token is wrong:
//   good, expired, wrong-nonce, wrong-audience, wrong-issuer, wrong-signature, unsigned
//
//   node tests/hostile_provider.mjs PORT
//
// With TLS_CERT and TLS_KEY (PEM files) it serves https, for the test of ESKALERA_CA_FILE.
//
// JOSE_MODULE is the path of jose's dist/node/esm/index.js (it comes with oidc-provider under
// target/tmp/oidc).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [port] = process.argv.slice(2);
const jose = await import(pathToFileURL(process.env.JOSE_MODULE).href);

const tls = process.env.TLS_CERT
  ? { cert: fs.readFileSync(process.env.TLS_CERT), key: fs.readFileSync(process.env.TLS_KEY) }
  : null;
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
const kid = 'hostile-1';
const { publicKey, privateKey } = await jose.generateKeyPair('RS256');
// Another key under the same key id: its signatures do not verify with the published key.
const { privateKey: otherKey } = await jose.generateKeyPair('RS256');
const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

let mode = 'good';
const codes = new Map();

async function idToken(clientId, nonce) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: 'sub-hostile',
    email: 'mallory@mv.se',
    name: 'Mallory',
    groups: ['Enhet-Asyl-Lulea'],
    nonce: mode === 'wrong-nonce' ? 'ett-annat-nonce' : nonce,
  };
  const iat = mode === 'expired' ? now - 7200 : now;
  const exp = mode === 'expired' ? now - 3600 : now + 300;
  if (mode === 'unsigned') {
    return new jose.UnsecuredJWT(claims).setIssuer(issuer).setAudience(clientId)
      .setIssuedAt(iat).setExpirationTime(exp).encode();
  }
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(mode === 'wrong-issuer' ? 'http://someone-else.example' : issuer)
    .setAudience(mode === 'wrong-audience' ? 'another-client' : clientId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(mode === 'wrong-signature' ? otherKey : privateKey);
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data));
  });
}

const handler = async (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname === '/.well-known/openid-configuration') {
    return send(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  }
  if (url.pathname === '/jwks') {
    return send(res, 200, { keys: [jwk] });
  }
  if (url.pathname.startsWith('/mode/') && req.method === 'POST') {
    mode = url.pathname.slice('/mode/'.length);
    return send(res, 200, { mode });
  }
  if (url.pathname === '/auth') {
    // Signs in at once: the code remembers the nonce and the client.
    const code = crypto.randomBytes(16).toString('hex');
    codes.set(code, { nonce: url.searchParams.get('nonce'), client: url.searchParams.get('client_id') });
    const back = new URL(url.searchParams.get('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', url.searchParams.get('state'));
    res.writeHead(303, { location: back.toString() });
    return res.end();
  }
  if (url.pathname === '/token' && req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const grant = codes.get(form.get('code'));
    if (!grant) return send(res, 400, { error: 'invalid_grant' });
    codes.delete(form.get('code'));
    return send(res, 200, {
      access_token: crypto.randomBytes(16).toString('hex'),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: await idToken(grant.client, grant.nonce),
    });
  }
  return send(res, 404, { error: 'not_found' });
};
(tls ? https.createServer(tls, handler) : http.createServer(handler)).listen(Number(port), '127.0.0.1', () => {
  console.log(`hostile provider listening on ${issuer}`);
});
