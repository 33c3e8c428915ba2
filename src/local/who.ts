/** Who runs oneroof, on which machine: the run log's `by` and the run lock's holder. */
import { hostname, userInfo } from 'node:os';

export function whoAmI(): { user: string; host: string } {
  let user = process.env.USER ?? '?';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep $USER
  }
  return { user, host: hostname() };
}
