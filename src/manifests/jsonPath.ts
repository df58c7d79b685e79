// JSON paths printed the way Kubernetes names fields in its messages.
import type { JsonPath } from '../types.js';

/** `['spec', 'containers', 0, 'ports']` -> `spec.containers[0].ports` */
export function formatJsonPath(path: JsonPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
