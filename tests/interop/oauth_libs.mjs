// oauth_libs.mjs - the two client libraries behind one interface, so that oauth_clients.mjs
// runs the same cases through each. Every OAuth step is the library's own function, with its
// validation as shipped; the only relaxation is the documented one for an http:// issuer
// (openid-client: allowInsecureRequests; oauth4webapi: [allowInsecureRequests]: true).
// ID token signatures are checked too: openid-client with enableNonRepudiationChecks,
// oauth4webapi with validateApplicationLevelSignature (both libraries otherwise rely on TLS to
// the token endpoint, which a loopback http test does not have).
//
// An adapter: discover(), checks() -> {verifier, state, nonce}, authorizationUrl(checks),
// exchange(callbackUrl, checks, {fetch}) -> {tokens, claims}, refresh(rt), userinfo(at, sub),
// clientCredentials('basic'|'post', scope), introspect(token) (as the basic confidential
// client), revoke(token) (as the public client).
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';

const SCOPE = 'openid email';

export async function openidClient(cfg) {
  const issuer = new URL(cfg.issuer);
  const metadata = { id_token_signed_response_alg: cfg.alg };
  const options = { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] };
  const configs = {
    public: await client.discovery(issuer, cfg.public_client_id, metadata, client.None(), options),
    basic: await client.discovery(issuer, cfg.basic.client_id, metadata,
      client.ClientSecretBasic(cfg.basic.client_secret), options),
    post: await client.discovery(issuer, cfg.post.client_id, metadata,
      client.ClientSecretPost(cfg.post.client_secret), options),
  };
  const pub = configs.public;
  return {
    name: 'openid-client',
    metadata: pub.serverMetadata(),
    async checks() {
      return { verifier: client.randomPKCECodeVerifier(), state: client.randomState(),
        nonce: client.randomNonce() };
    },
    async authorizationUrl({ verifier, state, nonce }) {
      return client.buildAuthorizationUrl(pub, {
        redirect_uri: cfg.redirect_uri, scope: SCOPE, state, nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
    },
    async exchange(callbackUrl, { verifier, state, nonce }, { fetch } = {}) {
      // A configuration of its own when the token response is to be tampered with.
      const config = fetch ? await client.discovery(issuer, cfg.public_client_id, metadata,
        client.None(), options) : pub;
      if (fetch) config[client.customFetch] = fetch;
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
      });
      return { tokens, claims: tokens.claims() };
    },
    refresh: (rt) => client.refreshTokenGrant(pub, rt),
    userinfo: (at, sub) => client.fetchUserInfo(pub, at, sub),
    clientCredentials: (kind, scope) => client.clientCredentialsGrant(configs[kind], { scope }),
    introspect: (token) => client.tokenIntrospection(configs.basic, token),
    revoke: (token) => client.tokenRevocation(pub, token),
  };
}

export async function oauth4webapi(cfg) {
  const issuer = new URL(cfg.issuer);
  const http = { [oauth.allowInsecureRequests]: true };
  const as = await oauth.processDiscoveryResponse(issuer,
    await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oidc' }));
  const pub = { client_id: cfg.public_client_id, id_token_signed_response_alg: cfg.alg };
  const confidential = {
    basic: [{ client_id: cfg.basic.client_id }, oauth.ClientSecretBasic(cfg.basic.client_secret)],
    post: [{ client_id: cfg.post.client_id }, oauth.ClientSecretPost(cfg.post.client_secret)],
  };
  return {
    name: 'oauth4webapi',
    metadata: as,
    async checks() {
      return { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(),
        nonce: oauth.generateRandomNonce() };
    },
    // oauth4webapi has no URL builder: its documented way is the discovered endpoint plus
    // URLSearchParams, with its own PKCE challenge.
    async authorizationUrl({ verifier, state, nonce }) {
      const url = new URL(as.authorization_endpoint);
      url.search = new URLSearchParams({
        client_id: pub.client_id, redirect_uri: cfg.redirect_uri, response_type: 'code',
        scope: SCOPE, state, nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return url;
    },
    async exchange(callbackUrl, { verifier, state, nonce }, { fetch } = {}) {
      const params = oauth.validateAuthResponse(as, pub, callbackUrl, state);
      const options = fetch ? { ...http, [oauth.customFetch]: fetch } : http;
      const response = await oauth.authorizationCodeGrantRequest(as, pub, oauth.None(), params,
        cfg.redirect_uri, verifier, options);
      const tokens = await oauth.processAuthorizationCodeResponse(as, pub, response,
        { expectedNonce: nonce, requireIdToken: true });
      await oauth.validateApplicationLevelSignature(as, response, http);
      return { tokens, claims: oauth.getValidatedIdTokenClaims(tokens) };
    },
    async refresh(rt) {
      return oauth.processRefreshTokenResponse(as, pub,
        await oauth.refreshTokenGrantRequest(as, pub, oauth.None(), rt, http));
    },
    async userinfo(at, sub) {
      return oauth.processUserInfoResponse(as, pub, sub,
        await oauth.userInfoRequest(as, pub, at, http));
    },
    async clientCredentials(kind, scope) {
      const [c, auth] = confidential[kind];
      return oauth.processClientCredentialsResponse(as, c,
        await oauth.clientCredentialsGrantRequest(as, c, auth, { scope }, http));
    },
    async introspect(token) {
      const [c, auth] = confidential.basic;
      return oauth.processIntrospectionResponse(as, c,
        await oauth.introspectionRequest(as, c, auth, token, http));
    },
    async revoke(token) {
      return oauth.processRevocationResponse(
        await oauth.revocationRequest(as, pub, oauth.None(), token, http));
    },
  };
}
