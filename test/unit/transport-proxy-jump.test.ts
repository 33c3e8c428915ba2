/** ProxyJump as `ssh -G` prints it, and the chain of hops built from it. */
import { describe, expect, it } from 'vitest';
import { OneroofError } from '../../src/errors.js';
import type { ResolvedSsh } from '../../src/ssh/resolve.js';
import { parseProxyJump, type JumpSpec } from '../../src/ssh/proxy-jump.js';
import { resolveJumpChain } from '../../src/transport/ssh2-jump.js';

describe('parseProxyJump', () => {
  it('reads [user@]host[:port], comma-separated', () => {
    expect(parseProxyJump('u1@hop1:2200,hop2,[::1]:22,ssh://u@h:2')).toEqual([
      { user: 'u1', host: 'hop1', port: 2200 },
      { host: 'hop2' },
      { host: '::1', port: 22 },
      { user: 'u', host: 'h', port: 2 },
    ]);
  });

  it.each(['', 'a,,b', '-oProxyCommand=x', 'h:99999', 'a b', 'u@'])('refuses %j', (value) => {
    expect(() => parseProxyJump(value)).toThrow(OneroofError);
  });
});

function resolved(alias: string, extra: Partial<ResolvedSsh> = {}): ResolvedSsh {
  return {
    alias,
    hostname: `${alias}.example`,
    port: 22,
    user: 'op',
    identityFiles: [],
    identitiesOnly: false,
    userKnownHostsFiles: [],
    globalKnownHostsFiles: [],
    strictHostKeyChecking: 'yes',
    serverAliveInterval: 0,
    serverAliveCountMax: 3,
    batchMode: true,
    ...extra,
  };
}

describe('resolveJumpChain', () => {
  it('resolves each hop, with the spec’s user and port', async () => {
    const asked: JumpSpec[] = [];
    const chain = await resolveJumpChain('a,deploy@b:2222', (spec) => {
      asked.push(spec);
      return Promise.resolve(resolved(spec.host));
    });
    expect(asked).toEqual([{ host: 'a' }, { host: 'b', user: 'deploy', port: 2222 }]);
    expect(chain.map((h) => h.alias)).toEqual(['a', 'b']);
  });

  it("expands the first hop's own ProxyJump in front; later hops' are overridden", async () => {
    const chain = await resolveJumpChain('a,b', (spec) =>
      Promise.resolve(
        spec.host === 'a'
          ? resolved('a', { proxyJump: 'bastion' })
          : spec.host === 'b'
            ? resolved('b', { proxyJump: 'ignored', proxyCommand: 'ignored' })
            : resolved(spec.host),
      ),
    );
    expect(chain.map((h) => h.alias)).toEqual(['bastion', 'a', 'b']);
  });

  it('refuses a first hop behind a ProxyCommand, and loops', async () => {
    await expect(
      resolveJumpChain('a', () => Promise.resolve(resolved('a', { proxyCommand: 'nc %h %p' }))),
    ).rejects.toThrow(/ProxyCommand/);
    await expect(
      resolveJumpChain('a', (spec) => Promise.resolve(resolved(spec.host, { proxyJump: 'a' }))),
    ).rejects.toThrow(/loop/);
  });
});
