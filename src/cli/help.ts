/**
 * What every command's --help shows beyond its own options (docs/usage.md: Help): the global
 * options it inherits, "(required)" on a required option, the short flags (one table, so `-t`
 * means --target everywhere) and its examples (examples.ts). Applied once to the whole tree after
 * the commands are registered, so a command file only declares its long options.
 */
import { Help, type CommandUnknownOpts, type Option } from '@commander-js/extra-typings';
import { EXAMPLES } from './examples.js';
import { SHORT_FLAGS } from '../commands/short-flags.js';

/** `replica up`: the command as typed, without the program's name. */
export function commandPath(command: CommandUnknownOpts): string {
  const parent = command.parent;
  return parent?.parent ? `${commandPath(parent)} ${command.name()}` : command.name();
}

export function finishHelp(program: CommandUnknownOpts): void {
  const walk = (command: CommandUnknownOpts, inherited: readonly Option[]): void => {
    for (const option of command.options) addShortFlag(command, option, inherited);
    command.configureHelp({
      ...command.configureHelp(),
      showGlobalOptions: true,
      // The program's options only (a parent command's own are not global), once each.
      visibleGlobalOptions(this: Help, cmd: CommandUnknownOpts) {
        if (!cmd.parent) return [];
        const own = new Set(cmd.options.map((o) => o.long));
        return program.options.filter((o) => !o.hidden && !own.has(o.long));
      },
      optionDescription(this: Help, option: Option) {
        const text = Help.prototype.optionDescription.call(this, option);
        return option.mandatory ? `${text} (required)` : text;
      },
    });
    const examples = command.parent ? EXAMPLES[commandPath(command)] : EXAMPLES[''];
    if (examples) command.addHelpText('after', `\nExamples:\n${examples}`);
    for (const sub of command.commands) walk(sub, [...inherited, ...command.options]);
  };
  walk(program, []);
}

function addShortFlag(
  command: CommandUnknownOpts,
  option: Option,
  inherited: readonly Option[],
): void {
  const short = option.long === undefined ? undefined : SHORT_FLAGS[option.long];
  if (short === undefined || option.short !== undefined) return;
  // A parent's option of the same name is the same option (commander may parse it there).
  const taken = [...inherited, ...command.options].find(
    (o) => o.short === short && o.long !== option.long,
  );
  if (taken) throw new Error(`${commandPath(command)}: ${short} is already ${taken.flags}`);
  option.short = short;
  option.flags = `${short}, ${option.flags}`;
}
