/**
 * The bash and zsh completion scripts (`oneroof completion bash|zsh`), generated from the
 * command tree: its commands, subcommands and options are written into the script as data; the
 * target names are asked for when completing (`oneroof __complete targets`) and kept only when
 * they are plain names, so nothing an inventory holds is ever evaluated by the shell.
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { SHORT_FLAGS } from './short-flags.js';

const TARGET = `${SHORT_FLAGS['--target']}|--target`;

/** Words the script may hold unquoted: command names and option flags, nothing else. */
const WORD = /^-{0,2}[a-z_][a-z0-9_-]*$/;

interface Node {
  path: string;
  subcommands: string[];
  options: string[];
}

/** Each command with its subcommands and its options, the program's (global) ones included. */
function nodes(command: CommandUnknownOpts, globals: string[] = [], path = ''): Node[] {
  const visible = command.commands.filter((c) => !c.name().startsWith('__'));
  const own = command.options.flatMap((o) => [o.short, o.long]).filter((f) => f !== undefined);
  const inherited = path === '' ? own : globals;
  const options = [...new Set([...own, '-h', '--help', ...inherited])];
  const here = { path, subcommands: visible.map((c) => c.name()), options };
  return [
    here,
    ...visible.flatMap((c) => nodes(c, inherited, path === '' ? c.name() : `${path} ${c.name()}`)),
  ];
}

function words(list: readonly string[]): string {
  for (const word of list)
    if (!WORD.test(word))
      throw new Error(`completion: ${JSON.stringify(word)} is not a plain word`);
  return list.join(' ');
}

function caseOf(name: string, entries: [string, string[]][]): string {
  const arms = entries
    .filter(([, list]) => list.length > 0)
    .map(
      ([path, list]) => `    '${words(path.split(' ').filter(Boolean))}') echo '${words(list)}' ;;`,
    );
  return `${name}() {\n  case $1 in\n${arms.join('\n')}\n  esac\n}`;
}

/** The functions both shells share: plain POSIX case statements over the generated data. */
function shared(program: CommandUnknownOpts): string {
  const all = nodes(program);
  const withValue = new Set<string>();
  const visit = (command: CommandUnknownOpts): void => {
    for (const o of command.options)
      if (o.required || o.optional) for (const f of [o.short, o.long]) if (f) withValue.add(f);
    command.commands.forEach(visit);
  };
  visit(program);
  return [
    caseOf(
      '_oneroof_subcommands',
      all.map((n) => [n.path, n.subcommands]),
    ),
    caseOf(
      '_oneroof_options',
      all.map((n) => [n.path, n.options]),
    ),
    `_oneroof_takes_value() {\n  case $1 in\n    ${[...withValue].map((f) => words([f])).join('|')}) return 0 ;;\n  esac\n  return 1\n}`,
    // The words before the cursor: the command path (REPLY) and an -i/--inventory given there.
    `_oneroof_walk() {
  local i w s skip=0
  _oneroof_path= _oneroof_inventory=
  for (( i = $1; i < $2; i++ )); do
    w=\${_oneroof_words[i]}
    if (( skip )); then skip=0; continue; fi
    case $w in
      -i|--inventory) _oneroof_inventory=\${_oneroof_words[i+1]}; skip=1; continue ;;
      --inventory=*) _oneroof_inventory=\${w#--inventory=}; continue ;;
      -*) _oneroof_takes_value "$w" && skip=1; continue ;;
    esac
    for s in $(_oneroof_subcommands "$_oneroof_path"); do
      if [ "$w" = "$s" ]; then _oneroof_path=\${_oneroof_path:+$_oneroof_path }$w; break; fi
    done
  done
}`,
    // Target and group names, each kept only when it is a plain name (TARGET_NAME's pattern).
    `_oneroof_targets() {
  local name
  if [ -n "$_oneroof_inventory" ]; then
    command oneroof __complete targets --inventory "$_oneroof_inventory" 2>/dev/null
  else
    command oneroof __complete targets 2>/dev/null
  fi | while IFS= read -r name; do
    case $name in
      [a-z]*[!a-z0-9_-]*) ;;
      [a-z]*) printf '%s\\n' "$name" ;;
    esac
  done
}`,
  ].join('\n\n');
}

export function bashScript(program: CommandUnknownOpts): string {
  return `# oneroof completion for bash: \`source <(oneroof completion bash)\`, or save it as
# ~/.local/share/bash-completion/completions/oneroof
${shared(program)}

_oneroof() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} w list
  local _oneroof_path _oneroof_inventory
  local -a _oneroof_words=("\${COMP_WORDS[@]}") candidates
  _oneroof_walk 1 "$COMP_CWORD"
  COMPREPLY=()
  case $prev in
    ${TARGET}) list=$(_oneroof_targets) ;;
    *)
      if _oneroof_takes_value "$prev"; then return 0; fi
      case $cur in
        -*) list=$(_oneroof_options "$_oneroof_path") ;;
        *) list=$(_oneroof_subcommands "$_oneroof_path") ;;
      esac
      ;;
  esac
  # Split without globbing; keep only the words that start with what was typed.
  read -r -d '' -a candidates <<<"$list"
  for w in "\${candidates[@]}"; do
    if [[ $w == "$cur"* ]]; then COMPREPLY+=("$w"); fi
  done
  return 0
}
complete -o default -F _oneroof oneroof
`;
}

export function zshScript(program: CommandUnknownOpts): string {
  return `#compdef oneroof
# oneroof completion for zsh: save it as _oneroof in a folder on $fpath (before compinit
# runs), or \`source <(oneroof completion zsh)\` after compinit
${shared(program)}

_oneroof() {
  # No \`emulate -L zsh\`: the completion system runs this with its own options
  # (_comp_options), and _files, called from here, needs them (NOMATCH off, for one).
  # _oneroof_words[1] is the first word after oneroof, as COMP_WORDS[1] is in bash.
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} _oneroof_path _oneroof_inventory
  local -a _oneroof_words list
  _oneroof_words=("\${(@)words[2,-1]}")
  _oneroof_walk 1 $((CURRENT - 1))
  case $prev in
    ${TARGET}) list=(\${(f)"$(_oneroof_targets)"}) ;;
    *)
      if _oneroof_takes_value "$prev"; then _files; return; fi
      case $cur in
        -*) list=(\${=$(_oneroof_options "$_oneroof_path")}) ;;
        *) list=(\${=$(_oneroof_subcommands "$_oneroof_path")}) ;;
      esac
      if (( \${#list} == 0 )); then _files; return; fi
      ;;
  esac
  compadd -- "\${list[@]}"
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _oneroof "$@"
else
  compdef _oneroof oneroof
fi
`;
}
