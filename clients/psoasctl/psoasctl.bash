# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for psoasctl(1)

_psoasctl() {
        local cur prev words cword
        _init_completion || return

        local verbs='status monitor waybar calibrate snooze inhibit stretches done today export history buzz'
        local common='--help --system --user --host'
        local -A verb_options=(
                [status]='--json'
                [monitor]='--json --count --duration --plain'
                [waybar]='--count --duration --sitting-limit'
                [calibrate]='--json --delay --sitting'
                [snooze]='--cancel'
                [inhibit]='--why --who'
                [stretches]='--json'
                [done]=''
                [today]='--json --svg'
                [export]='--json --from --to --output'
                [history]='--json --days --svg'
                [buzz]=''
        )

        # The verb, the bus options given so far (to ask the same psoasd for stretch ids), and for inhibit
        # where its command begins.
        local i verb= command_at= bus_args=()
        for ((i = 1; i < cword; i++)); do
                case ${words[i]} in
                --user | --system)
                        bus_args+=("${words[i]}")
                        ;;
                --host | -H)
                        bus_args+=("${words[i]}" "${words[i + 1]}")
                        i=$((i + 1))
                        ;;
                --why | --who | --svg | --days | --count | --duration | --sitting-limit | --delay | --from | --to | \
                        --output | -o)
                        i=$((i + 1))
                        ;;
                --)
                        if [[ $verb == inhibit ]]; then
                                command_at=$((i + 1))
                                break
                        fi
                        ;;
                -*) ;;
                *)
                        if [[ -z $verb ]]; then
                                verb=${words[i]}
                        elif [[ $verb == inhibit ]]; then
                                command_at=$i
                                break
                        fi
                        ;;
                esac
        done

        # The command inhibit runs, and its arguments.
        if [[ -n $command_at ]]; then
                _command_offset "$command_at"
                return
        fi

        case $prev in
        --host | -H)
                _known_hosts_real -- "$cur"
                return
                ;;
        --svg)
                _filedir svg
                return
                ;;
        --output | -o)
                [[ $verb == export ]] && COMPREPLY=($(compgen -W "timeline bouts" -- "$cur"))
                return
                ;;
        --count | --duration | --sitting-limit | --delay | --days | --why | --who | --from | --to)
                return
                ;;
        esac

        if [[ -z $verb ]]; then
                if [[ $cur == -* ]]; then
                        COMPREPLY=($(compgen -W "$common --version --json" -- "$cur"))
                else
                        COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
                fi
                return
        fi

        if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$common ${verb_options[$verb]}" -- "$cur"))
                return
        fi

        case $verb in
        done)
                # The ids from the catalog of the psoasd asked; nothing when it cannot be reached.
                local ids
                ids=$(psoasctl "${bus_args[@]}" stretches --json 2>/dev/null |
                        grep -o '"id":"[^"]*"' | cut -d'"' -f4)
                COMPREPLY=($(compgen -W "$ids" -- "$cur"))
                ;;
        snooze)
                COMPREPLY=($(compgen -W '5 10 15 30 60 120' -- "$cur"))
                ;;
        buzz)
                COMPREPLY=($(compgen -W 'sitting tilt slouch calibration-done calibration-refused' -- "$cur"))
                ;;
        inhibit)
                _command_offset $cword
                ;;
        esac
}

complete -F _psoasctl psoasctl
