# fish completion for klog-group(1). Groups and topics come from the data
# directory given with -d/--data-dir, else $KLOG_DIR, else ./klog-data.

# Prints the data directory named on the command line being completed.
function __klog_data_dir
    set -l dir ./klog-data
    set -q KLOG_DIR; and set dir $KLOG_DIR
    set -l words (commandline -opc)
    for i in (seq (count $words))
        switch $words[$i]
            case -d --data-dir
                set -l j (math $i + 1)
                test $j -le (count $words); and set dir $words[$j]
            case '--data-dir=*'
                set dir (string replace -- --data-dir= '' $words[$i])
        end
    end
    echo $dir
end

# Prints topic names: <dir>/<topic>.topic.json and <dir>/<topic>-<N>/.
function __klog_topics
    set -l dir (__klog_data_dir)
    begin
        for f in $dir/*.topic.json
            string replace -r '\.topic\.json$' '' -- (basename $f)
        end
        for f in $dir/*-*/
            string replace -r -f '^(.+)-[0-9]+/?$' '$1' -- (basename $f)
        end
    end | sort -u
end

# Prints consumer group names: <dir>/__groups/<group>/.
function __klog_groups
    set -l dir (__klog_data_dir)
    for f in $dir/__groups/*/
        basename $f
    end
end

# True when the command line so far has no positional argument after the command.
function __klog_group_needs_group
    set -l words (commandline -opc)
    set -l seen 0
    set -l skip 0
    for w in $words[2..-1]
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
            case -d --data-dir -t --topic --to-offset --to-datetime --shift-by -b --brokers -X --property
                set skip 1
            case '-*'
            case '*'
                set seen (math $seen + 1)
        end
    end
    test $seen -eq 1
end

set -l klog_group_cmds list describe reset delete
complete -c klog-group -f
complete -c klog-group -s d -l data-dir -x -a '(__fish_complete_directories)' -d 'Data directory'
complete -c klog-group -s b -l brokers -x -d 'Broker mode: Kafka brokers HOST:PORT,...'
complete -c klog-group -s X -l property -x -d 'Broker mode: librdkafka setting KEY=VALUE'
complete -c klog-group -s h -l help -d 'Print help and exit'
complete -c klog-group -n "not __fish_seen_subcommand_from $klog_group_cmds" -s V -l version -d 'Print version and exit'
complete -c klog-group -n "not __fish_seen_subcommand_from $klog_group_cmds" -a list -d 'List groups'
complete -c klog-group -n "not __fish_seen_subcommand_from $klog_group_cmds" -a describe -d 'Describe a group'
complete -c klog-group -n "not __fish_seen_subcommand_from $klog_group_cmds" -a reset -d 'Move committed offsets'
complete -c klog-group -n "not __fish_seen_subcommand_from $klog_group_cmds" -a delete -d 'Delete a group'
complete -c klog-group -n '__fish_seen_subcommand_from list describe' -l json -d 'Print JSON'
complete -c klog-group -n '__fish_seen_subcommand_from reset' -s t -l topic -x -a '(__klog_topics)' -d 'Topic whose offsets move'
complete -c klog-group -n '__fish_seen_subcommand_from reset' -l to-earliest -d 'To the first offset of each partition'
complete -c klog-group -n '__fish_seen_subcommand_from reset' -l to-latest -d 'To the end of each partition'
complete -c klog-group -n '__fish_seen_subcommand_from reset' -l to-offset -x -d 'To offset N'
complete -c klog-group -n '__fish_seen_subcommand_from reset' -l to-datetime -x -d 'To the first record at or after T'
complete -c klog-group -n '__fish_seen_subcommand_from reset' -l shift-by -x -d 'By N records (negative: back)'
complete -c klog-group -n '__fish_seen_subcommand_from reset' -l execute -d 'Apply the plan'
complete -c klog-group -n '__fish_seen_subcommand_from describe reset delete; and __klog_group_needs_group' -a '(__klog_groups)' -d 'Group'
