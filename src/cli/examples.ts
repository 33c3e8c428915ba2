/**
 * Each command's Examples (help.ts prints them after its options): real command lines, checked
 * by test/unit/help.test.ts against the options each command has. '' is the program itself.
 */
const APR = 'APR-2026-0142';

function examples(...lines: string[]): string {
  return lines.map((line) => `  ${line}\n`).join('');
}

export const EXAMPLES: Readonly<Record<string, string>> = {
  '': examples(
    `# the seed's one-liner: the release, confirmed on a terminal`,
    `$ oneroof apply --target contabo --apr ${APR}`,
    `# the cron box: a read-only GO / NO-GO every hour (crontab -e)`,
    `17 * * * *  oneroof preflight -t contabo --apr ${APR} -q -j > ~/preflight.json`,
    `# the auditor: a run log as one offline page`,
    `$ oneroof replay ~/.local/state/oneroof/logs/rollout_20261125T113000Z.log --html run.html`,
    `$ oneroof completion bash > ~/.local/share/bash-completion/completions/oneroof`,
  ),
  targets: examples(
    `$ oneroof targets`,
    `$ oneroof targets -j`,
    `$ oneroof -i ~/fleet/inventory targets`,
  ),
  preflight: examples(
    `$ oneroof preflight --target contabo --apr ${APR}`,
    `# a group: every member, four at a time`,
    `$ oneroof preflight -t fleet --apr ${APR} --concurrency 4`,
    `# cron (crontab -e): hourly, read-only; exit 0 GO, 3 NO-GO, 6 locked`,
    `17 * * * *  oneroof preflight -t contabo --apr ${APR} -q -j > ~/preflight.json`,
    `# the same, seen by Prometheus (node_exporter's textfile collector)`,
    `17 * * * *  oneroof preflight -t contabo --apr ${APR} -q --metrics /var/lib/node_exporter/oneroof.prom`,
    `# an Ansible inventory's group, its EU hosts only`,
    `$ oneroof -i ansible:ansible/hosts.yml preflight -t databases --limit 'eu-*' --apr ${APR}`,
  ),
  apply: examples(
    `# the seed's one-liner: shows what will change and asks before it does`,
    `$ oneroof apply --target contabo --apr ${APR}`,
    `# rehearse first: the whole packet in one transaction, rolled back`,
    `$ oneroof apply -t contabo --apr ${APR} --dry-run`,
    `# the local replica, no question, waiting up to 5 minutes for the lock`,
    `$ oneroof apply -t replica --apr ${APR} -y --wait 300`,
    `# a group, one member at a time, stopping at the first failure`,
    `$ oneroof -i fleet.ini apply -t databases --apr ${APR} --serial 1`,
  ),
  verify: examples(`$ oneroof verify --target contabo`, `$ oneroof verify -t contabo -j`),
  rollback: examples(
    `# the last tier only (tiers roll back in reverse order)`,
    `$ oneroof rollback --target contabo --tier 60`,
    `# everything the release made, no question`,
    `$ oneroof rollback -t replica --full -y`,
  ),
  status: examples(`$ oneroof status --target contabo`, `$ oneroof status -t fleet -j`),
  replay: examples(
    `$ oneroof replay logs/rollout_20261125T113000Z.log`,
    `# one self-contained page for an auditor`,
    `$ oneroof replay logs/rollout_20261125T113000Z.log --html rollout.html`,
    `# the output again at four times its pace, and the anchor left on the target`,
    `$ oneroof replay logs/rollout_20261125T113000Z.log --play --speed 4`,
    `$ oneroof replay logs/rollout_20261125T113000Z.log --target contabo`,
    `# a log made by hand: psql … | tee run.log`,
    `$ oneroof replay run.log --packet sql -j`,
  ),
  evidence: examples(
    `$ oneroof evidence --target contabo --apr ${APR} -o evidence/${APR}`,
    `$ oneroof evidence -t contabo --from logs/preflight_20261125T110000Z.log logs/status_20261125T110100Z.log`,
  ),
  'evidence verify': examples(
    `$ oneroof evidence verify evidence/${APR}`,
    `$ oneroof evidence verify evidence/${APR} --allowed-signers ~/.ssh/allowed_signers -j`,
  ),
  manifest: examples(`$ oneroof manifest check`, `$ oneroof manifest write --packet my-packet`),
  'manifest check': examples(
    `$ oneroof manifest check`,
    `$ oneroof manifest check --packet-signers ~/.ssh/allowed_signers`,
  ),
  'manifest write': examples(`$ oneroof manifest write --packet my-packet`),
  'manifest sign': examples(
    `$ oneroof manifest sign`,
    `$ oneroof manifest sign --key ~/.ssh/id_ed25519.pub --packet my-packet`,
  ),
  reader: examples(`$ oneroof reader setup --target contabo`),
  'reader setup': examples(
    `$ oneroof reader setup --target contabo`,
    `$ oneroof reader setup -t fleet -y`,
  ),
  replica: examples(`$ oneroof replica up`, `$ oneroof replica ps`),
  'replica up': examples(
    `$ oneroof replica up`,
    `$ oneroof replica up -t replica --packet my-packet`,
  ),
  'replica down': examples(`$ oneroof replica down`),
  'replica reset': examples(
    `$ oneroof replica reset`,
    `# rehearsals only: a demo approval that opens the gate`,
    `$ oneroof replica reset --approve ${APR}`,
  ),
  'replica ps': examples(`$ oneroof replica ps`, `$ oneroof replica ps -j`),
  init: examples(
    `$ oneroof init my-packet --name my-release`,
    `$ oneroof manifest check --packet my-packet`,
  ),
  runs: examples(
    `$ oneroof runs --last 5`,
    `# with each log replayed: its chain, digests and signature`,
    `$ oneroof runs --target contabo --check -j`,
  ),
  logs: examples(`$ oneroof logs prune --keep 500`),
  'logs prune': examples(
    `$ oneroof logs prune --keep 500 --dry-run`,
    `# hourly cron: a month of runs kept`,
    `5 * * * *  oneroof --log-dir /var/log/oneroof logs prune --older-than 30d`,
  ),
  completion: examples(
    `$ oneroof completion bash > ~/.local/share/bash-completion/completions/oneroof`,
    `$ source <(oneroof completion bash)`,
    `# zsh: a folder on $fpath, before compinit runs`,
    `$ oneroof completion zsh > ~/.zfunc/_oneroof`,
  ),
};
