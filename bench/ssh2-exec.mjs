// One cold ssh2 connection that runs one command and exits with its status: the floor of a
// oneroof run over ssh2 (node's start-up, the ssh2 module, one handshake, one channel), for
// bench/floor.bench.ts to set beside OpenSSH's `ssh ALIAS COMMAND`. The host key is checked
// against the pinned one (a connection with any other key fails).
//   node bench/ssh2-exec.mjs HOST PORT USER KEYFILE 'ssh-ed25519 AAAA…' COMMAND
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';

const [host, port, username, keyFile, hostKeyPub, command] = process.argv.slice(2);
const pinned = Buffer.from(hostKeyPub.split(' ')[1], 'base64');
const client = new ssh2.Client();
client
  .on('ready', () =>
    client.exec(command, (error, channel) => {
      if (error) throw error;
      channel.resume();
      channel.stderr.resume();
      channel.on('exit', (code) => {
        process.exitCode = code ?? 255;
        client.end();
      });
    }),
  )
  .on('error', (error) => {
    console.error(String(error));
    process.exitCode = 255;
  })
  .connect({
    host,
    port: Number(port),
    username,
    privateKey: readFileSync(keyFile),
    hostVerifier: (key) => Buffer.compare(key, pinned) === 0,
  });
