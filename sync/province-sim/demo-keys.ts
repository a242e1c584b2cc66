/**
 * The development province's SM2 key pair (gov-form dialect): published here on purpose, so that a demo terminal's
 * provisioning stays valid across simulator restarts. It protects nothing; a real province's key is never in a repo.
 */
export const DEMO_SM2_PRIVATE_KEY = '491677366fa2cd9a10fe5b0d3fa678ef2f6a504d37ce2dd8833659c2a23d64de';
export const DEMO_SM2_PUBLIC_KEY =
  '04f9e172a2d5659bea60c0e5fc51afcd7cfc6640130169d8b4ade8e71f47e43772d8f4ce73f23aa2331005b51b414a758d9bca3a23bcda2d3d810ef887efb77b2f';
