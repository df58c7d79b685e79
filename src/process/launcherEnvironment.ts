// Node 20 reads the file named by NODE_EXTRA_CA_CERTS before running any script (70 to 85 ms for
// a system bundle of certificates), and hostns-check opens no network connection. So the shell
// lines that start its Node processes (the first lines of bin/*.js, the Helm relay Kustomize runs)
// move the variable aside, and the environment handed to Helm, Kustomize and what they start gets
// it back unchanged.

/** Where the shell lines keep the user's NODE_EXTRA_CA_CERTS while hostns-check's Node runs. */
export const KEPT_CA_CERTS = 'HOSTNS_CHECK_NODE_EXTRA_CA_CERTS';

/**
 * The shell that moves NODE_EXTRA_CA_CERTS aside. The first line of bin/hostns-check.js and
 * bin/helm-plugin.js holds the same text (a test compares them). A kept value left over from
 * elsewhere is dropped first, so only what the user set now comes back.
 */
export const MOVE_CA_CERTS_ASIDE =
  `unset ${KEPT_CA_CERTS}; if [ -n "\${NODE_EXTRA_CA_CERTS-}" ]; then ${KEPT_CA_CERTS}=$NODE_EXTRA_CA_CERTS; ` +
  `export ${KEPT_CA_CERTS}; unset NODE_EXTRA_CA_CERTS; fi`;

/** The environment the user gave: NODE_EXTRA_CA_CERTS back in place, the kept name gone. */
export function userEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept = env[KEPT_CA_CERTS];
  if (kept === undefined) return env;
  const { [KEPT_CA_CERTS]: _kept, ...rest } = env;
  return rest.NODE_EXTRA_CA_CERTS === undefined ? { ...rest, NODE_EXTRA_CA_CERTS: kept } : rest;
}
