// A real OpenID provider for the sign-in tests: panva's certified oidc-provider (npm), with
// one client and the accounts of a JSON file, read at every sign-in so that a test can move
// someone between groups. Its development interactions are the login and consent pages.
//
//   node tests/oidc_provider.mjs PORT ACCOUNTS.json REDIRECT_URI
//
// OIDC_PROVIDER_MODULE is the path of oidc-provider's lib/index.js (installed by .ci/run under
// target/tmp/oidc); ESM does not search NODE_PATH.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const [port, accountsFile, redirectUri] = process.argv.slice(2);
const modulePath = process.env.OIDC_PROVIDER_MODULE;
const { default: Provider } = await import(pathToFileURL(modulePath).href);

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: 'eskalera',
    client_secret: 'hemlighet-for-test',
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri.replace('/auth/oidc/callback', '/logga-in')],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email'],
    profile: ['name'],
    groups: ['groups'],
  },
  // The claims go into the ID token itself, as Entra and Keycloak put them there.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['eskalera-test-cookie-key'] },
  async findAccount(ctx, id) {
    const accounts = JSON.parse(fs.readFileSync(accountsFile, 'utf8'));
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: account.sub, email: account.email, name: account.name, groups: account.groups };
      },
    };
  },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
