/**
 * Tests and benchmarks drive far more requests from one address and one user than people would: these settings
 * put the HTTP rate limits out of reach (tests/security/rate-limits.test.ts sets its own).
 */
export const UNLIMITED = {
  HTTP_REQUESTS_PER_SECOND: '1000000',
  SIGN_INS_PER_MINUTE: '1000000',
  STAFF_LOGINS_PER_MINUTE: '1000000',
  FAILED_LOGINS_PER_HOUR: '1000000',
  CLINIC_LOOKUPS_PER_MINUTE: '1000000',
};
