/** The openssh transport's argv, asserted exactly: no shell ever sees it. */
import { describe, expect, it } from 'vitest';
import { OneroofError } from '../../src/errors.js';
import { buildOpensshArgs, opensshDestination } from '../../src/transport/openssh-args.js';

describe('buildOpensshArgs', () => {
  it('an alias with its ssh_config, strict', () => {
    expect(
      buildOpensshArgs({
        ssh: { kind: 'alias', alias: 'contabo', configFile: '/home/op/.ssh/config' },
        hostKeyPolicy: 'strict',
      }),
    ).toEqual([
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-T',
      '-o',
      'RemoteCommand=none',
      '-F',
      '/home/op/.ssh/config',
    ]);
  });

  it('accept-new, and the inventory known_hosts replacing ssh_config’s', () => {
    expect(
      buildOpensshArgs({
        ssh: { kind: 'alias', alias: 'contabo', configFile: undefined },
        hostKeyPolicy: 'accept-new',
        knownHostsOverride: ['/etc/oneroof/known_hosts', '~/.ssh/known_hosts'],
      }),
    ).toEqual([
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-T',
      '-o',
      'RemoteCommand=none',
      '-o',
      'UserKnownHostsFile=/etc/oneroof/known_hosts ~/.ssh/known_hosts',
      '-o',
      'GlobalKnownHostsFile=/dev/null',
    ]);
  });

  it('an endpoint given by its parts', () => {
    expect(
      buildOpensshArgs({
        ssh: {
          kind: 'endpoint',
          host: 'db.example.com',
          user: 'deploy',
          port: 2222,
          identity: '/keys/id_ed25519',
        },
        hostKeyPolicy: 'strict',
      }),
    ).toEqual([
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-T',
      '-o',
      'RemoteCommand=none',
      '-l',
      'deploy',
      '-p',
      '2222',
      '-i',
      '/keys/id_ed25519',
    ]);
  });

  it.each(['/a b/known_hosts', '/x/%h', "/q'uote", '-oProxyCommand=x'])(
    'refuses a path ssh would read differently: %s',
    (path) => {
      expect(() =>
        buildOpensshArgs({
          ssh: { kind: 'alias', alias: 'contabo', configFile: undefined },
          hostKeyPolicy: 'strict',
          knownHostsOverride: [path],
        }),
      ).toThrow(OneroofError);
    },
  );
});

describe('opensshDestination', () => {
  it('is the alias or the host', () => {
    expect(opensshDestination({ kind: 'alias', alias: 'contabo', configFile: undefined })).toBe(
      'contabo',
    );
    expect(
      opensshDestination({
        kind: 'endpoint',
        host: '10.0.0.5',
        user: undefined,
        port: undefined,
        identity: undefined,
      }),
    ).toBe('10.0.0.5');
  });

  it('refuses anything ssh could read as an option', () => {
    expect(() =>
      opensshDestination({ kind: 'alias', alias: '-oProxyCommand=x', configFile: undefined }),
    ).toThrow(OneroofError);
  });
});
