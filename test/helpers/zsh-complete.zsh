# The zpty driver of zsh-complete.ts: zsh -f zsh-complete.zsh MODE SCRIPT LINE
zmodload zsh/zpty || exit 9
mode=$1 script=$2 line=$3
zpty z zsh -f -i
zpty -w z "PROMPT='' RPROMPT=''"
if [[ $mode == fpath ]]; then
  zpty -w z "fpath=(${(q)script:h} \$fpath); autoload -U compinit && compinit -u -D"
else
  zpty -w z "autoload -U compinit && compinit -u -D; source ${(q)script}"
fi
zpty -w z 'compadd () { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; local -a hits; builtin compadd -O hits "$@"; local h; for h in $hits; do print -r -- "HIT:$h"; done; builtin compadd "$@"; }'
zpty -w z "print -r -- REGISTERED:\$_comps[oneroof]"
zpty -w z "null-line () { print -n \$'\\0' }; compprefuncs=( null-line ); comppostfuncs=( null-line exit )"
zpty -w z "zstyle ':completion:*' insert-tab false"
zpty -w -n z "$line"$'\t'
out=
while zpty -r z chunk; do out+=$chunk; [[ $out == *$'\0'*$'\0'* ]] && break; done
zpty -d z
print -r -- "$out"
