/**
 * The replica's image: the configured one when present (or pullable, when allowed); otherwise
 * one built once from Debian's packages (README: Replicas) and cached by tag. The built image mirrors
 * the official postgres image: same PATH, PGDATA, entrypoint contract, stop signal.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OneroofError, reasonOf } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { runLocal, startLocal } from '../local/run.js';
import { isNotFound, withTimeout, type DockerClient } from '../docker/client.js';

const BUILT_IMAGE_REPO = 'oneroof/replica-pg';
const RECIPE_LABEL = 'dev.oneroof.recipe';
/** Debian suites that ship each PostgreSQL major in main. */
const SUITE_FOR_MAJOR: Record<string, string> = {
  '13': 'bullseye',
  '15': 'bookworm',
  '17': 'trixie',
};
const PULL_TIMEOUT_MS = 300_000;
const BUILD_TIMEOUT_MS = 900_000;

export interface ImageOptions {
  /** The configured image, e.g. postgres:15. */
  image: string;
  pull: 'never' | 'missing';
  onProgress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface ImageChoice {
  image: string;
  source: 'present' | 'pulled' | 'cached-build' | 'built';
  seconds: number;
}

export async function ensureImage(
  docker: DockerClient,
  options: ImageOptions,
): Promise<ImageChoice> {
  const started = Date.now();
  const took = () => (Date.now() - started) / 1000;
  if (await imageExists(docker, options.image))
    return { image: options.image, source: 'present', seconds: took() };
  if (options.pull === 'missing') {
    try {
      await pullImage(docker, options.image, options.onProgress);
      return { image: options.image, source: 'pulled', seconds: took() };
    } catch (error) {
      options.onProgress?.(
        `could not pull ${options.image} (${reasonOf(error)}); building an equivalent from Debian's packages`,
      );
    }
  }
  const major = postgresMajor(options.image);
  const tag = `${BUILT_IMAGE_REPO}:${major}`;
  const recipe = await recipeDigest(major);
  const labels = await imageLabels(docker, tag);
  if (labels?.[RECIPE_LABEL] === recipe)
    return { image: tag, source: 'cached-build', seconds: took() };
  await buildImage(docker, tag, major, recipe, options);
  return { image: tag, source: 'built', seconds: took() };
}

/** `postgres:15`, `postgres:15.8-bookworm`, `registry/x/postgres:15` → "15"; otherwise 15, production's major. */
function postgresMajor(image: string): string {
  const tag = /:([0-9]+)(?:[.-][A-Za-z0-9_.-]*)?$/.exec(image.replace(/@sha256:[a-f0-9]+$/, ''));
  return tag?.[1] ?? '15';
}

async function imageExists(docker: DockerClient, name: string): Promise<boolean> {
  return (await imageLabels(docker, name)) !== undefined;
}

async function imageLabels(
  docker: DockerClient,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const info = await docker.getImage(name).inspect();
    return info.Config?.Labels ?? {};
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function pullImage(
  docker: DockerClient,
  name: string,
  onProgress?: (line: string) => void,
): Promise<void> {
  onProgress?.(`pulling ${name}`);
  const stream = await docker.pull(name);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (error: Error | null) =>
        error ? reject(error) : resolve(),
      );
    }),
    PULL_TIMEOUT_MS,
    `no pull within ${PULL_TIMEOUT_MS / 1000} s`,
  );
}

/** Shipped in the package as a file of its own (package.json `files`), wherever the code runs from. */
const ENTRYPOINT_FILE = join(PACKAGE_ROOT, 'src', 'replica', 'entrypoint.sh');

async function recipeDigest(major: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`debootstrap minbase ${SUITE_FOR_MAJOR[major] ?? '?'} postgresql-${major}\n`);
  hash.update(await readFile(ENTRYPOINT_FILE));
  return hash.digest('hex').slice(0, 16);
}

async function buildImage(
  docker: DockerClient,
  tag: string,
  major: string,
  recipe: string,
  options: ImageOptions,
): Promise<void> {
  const suite = SUITE_FOR_MAJOR[major];
  if (!suite) {
    throw new OneroofError(
      'runtime',
      `image ${options.image} is not present and PostgreSQL ${major} cannot be built from Debian's packages`,
      {
        hint: `majors that can be built: ${Object.keys(SUITE_FOR_MAJOR).join(', ')}; or make ${options.image} available (docker load, or pull: missing)`,
      },
    );
  }
  if (process.getuid?.() !== 0) {
    throw new OneroofError(
      'runtime',
      `image ${options.image} is not present, and building ${tag} needs root (debootstrap)`,
      {
        hint: `run once as root, or make ${options.image} available (docker load, or pull: missing in the inventory)`,
      },
    );
  }
  const mirror =
    options.env?.ONEROOF_DEBIAN_MIRROR ??
    process.env.ONEROOF_DEBIAN_MIRROR ??
    'http://deb.debian.org/debian';
  const work = await mkdtemp(join(tmpdir(), 'oneroof-rootfs-'));
  const rootfs = join(work, 'rootfs');
  try {
    options.onProgress?.(
      `building ${tag} from Debian ${suite} (postgresql-${major}); once, then cached`,
    );
    await run(
      'debootstrap',
      ['--variant=minbase', `--include=postgresql-${major}`, suite, rootfs, mirror],
      options.onProgress,
      join(work, 'debootstrap.log'),
    );
    await mkdir(join(rootfs, 'usr/local/bin'), { recursive: true });
    const entrypoint = join(rootfs, 'usr/local/bin/docker-entrypoint.sh');
    await writeFile(entrypoint, await readFile(ENTRYPOINT_FILE));
    await chmod(entrypoint, 0o755);
    // The package's own cluster and the download cache are dead weight in the image.
    for (const junk of [
      `var/lib/postgresql/${major}`,
      'var/cache/apt/archives',
      'var/lib/apt/lists',
      'usr/share/doc',
      'usr/share/man',
    ]) {
      await rm(join(rootfs, junk), { recursive: true, force: true });
    }
    options.onProgress?.(`importing ${tag} into Docker`);
    await importRootfs(docker, rootfs, tag, major, recipe);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function importRootfs(
  docker: DockerClient,
  rootfs: string,
  tag: string,
  major: string,
  recipe: string,
): Promise<void> {
  const [repo, version] = tag.split(':') as [string, string];
  const tar = startLocal('tar', ['--numeric-owner', '-C', rootfs, '-c', '.'], {
    streamStdout: true,
  });
  const changes = [
    `ENV PATH=/usr/lib/postgresql/${major}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    'ENV PGDATA=/var/lib/postgresql/data',
    'ENV LANG=C.UTF-8',
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'CMD ["postgres"]',
    // STOPSIGNAL is not an import change on Docker 20.10; the container sets StopSignal itself.
    `LABEL ${RECIPE_LABEL}=${recipe}`,
  ];
  const stream = await docker.importImage(tar.stdout, { repo, tag: version, changes } as object);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
      const failed = error?.message ?? output.find((o) => o.error)?.error;
      if (failed) reject(new Error(failed));
      else resolve();
    });
  });
  const exited = await tar.done;
  if (exited.exitCode !== 0)
    throw new Error(`tar exited ${String(exited.exitCode)}: ${exited.stderr.trim()}`);
}

/** Runs a build step, its output kept in a log file and shown as progress lines. */
async function run(
  command: string,
  args: string[],
  onProgress: ((line: string) => void) | undefined,
  logFile: string,
): Promise<void> {
  const log: string[] = [];
  const stop = new AbortController();
  // Interrupted (Ctrl-C, a killed test run): stop the child so the caller's finally removes the
  // half-built root file system, then let the signal's default exit code stand.
  const interrupted = (signal: NodeJS.Signals) => {
    stop.abort();
    process.exitCode = 128 + (signal === 'SIGINT' ? 2 : 15);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const { exitCode: code, signal } = await runLocal(command, args, {
      timeoutMs: BUILD_TIMEOUT_MS,
      signal: stop.signal,
      maxBuffer: 0,
      onLine: (line) => {
        log.push(line);
        if (
          /^I: (Retrieving|Validating|Extracting|Installing|Unpacking|Configuring|Base system)/.test(
            line,
          )
        )
          onProgress?.(line.slice(3));
      },
    });
    if (code !== 0) {
      await writeFile(logFile, log.join('\n')).catch(() => undefined);
      throw new OneroofError(
        'runtime',
        `${command} failed (${code === null ? `signal ${String(signal)}` : `exit ${code}`})`,
        {
          hint: `last lines:\n${log.slice(-15).join('\n')}`,
        },
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OneroofError(
        'runtime',
        `${command} is not installed; it is needed to build the replica image`,
        {
          hint: 'apt-get install debootstrap (or `npm run testbed`), or make the configured image available',
        },
      );
    }
    throw error;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}
