# fish completion for klog-topic(1). Topics come from the data directory given
# with -d/--data-dir, else $KLOG_DIR, else ./klog-data.

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

# Prints --config KEY=VALUE candidates: the keys, then values of keys with a fixed set.
function __klog_topic_config
    set -l cur (string replace -r -- '^--config=' '' (commandline -ct))
    switch $cur
        case 'cleanup.policy=*'
            printf '%s\n' cleanup.policy=delete cleanup.policy=compact cleanup.policy=compact,delete
        case 'message.timestamp.type=*'
            printf '%s\n' message.timestamp.type=CreateTime message.timestamp.type=LogAppendTime
        case '*'
            printf '%s=\n' retention.ms retention.bytes segment.bytes segment.ms cleanup.policy \
                delete.retention.ms min.cleanable.dirty.ratio min.compaction.lag.ms \
                max.message.bytes message.timestamp.type index.interval.bytes
    end
end

# True when the command line so far has no positional argument after the command.
function __klog_topic_needs_topic
    set -l words (commandline -opc)
    set -l seen 0
    set -l skip 0
    for w in $words[2..-1]
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
            case -d --data-dir --partitions --config --delete-config -p --partition --offset --key-map-bytes -b --brokers -X --property
                set skip 1
            case '-*'
            case '*'
                set seen (math $seen + 1)
        end
    end
    test $seen -eq 1
end

set -l klog_topic_cmds create list describe delete alter enforce-retention truncate-before compact
complete -c klog-topic -f
complete -c klog-topic -s d -l data-dir -x -a '(__fish_complete_directories)' -d 'Data directory'
complete -c klog-topic -s b -l brokers -x -d 'Broker mode: Kafka brokers HOST:PORT,...'
complete -c klog-topic -s X -l property -x -d 'Broker mode: librdkafka setting KEY=VALUE'
complete -c klog-topic -s h -l help -d 'Print help and exit'
complete -c klog-topic -n "not __fish_seen_subcommand_from $klog_topic_cmds" -s V -l version -d 'Print version and exit'
complete -c klog-topic -n "not __fish_seen_subcommand_from $klog_topic_cmds" -a create -d 'Create a topic'
complete -c klog-topic -n "not __fish_seen_subcommand_from $klog_topic_cmds" -a list -d 'List topics'
complete -c klog-topic -n "not __fish_seen_subcommand_from $klog_topic_cmds" -a describe -d 'Describe a topic'
complete -c klog-topic -n "not __fish_seen_subcommand_from $klog_topic_cmds" -a delete -d 'Delete a topic'
complete -c klog-topic -n "not __fish_seen_subcommand_from $klog_topic_cmds" -a alter -d 'Add partitions or change configs'
complete -c klog-topic -n "not __fish_seen_subcommand_from $klog_topic_cmds" -a enforce-retention -d 'Delete old segments now'
complete -c klog-topic -n "not __fish_seen_subcommand_from $klog_topic_cmds" -a truncate-before -d 'Advance a log start offset'
complete -c klog-topic -n "not __fish_seen_subcommand_from $klog_topic_cmds" -a compact -d 'Keep the latest record of each key'
complete -c klog-topic -n '__fish_seen_subcommand_from create alter' -l partitions -x -d 'Number of partitions'
complete -c klog-topic -n '__fish_seen_subcommand_from create alter' -l config -x -a '(__klog_topic_config)' -d 'Topic configuration KEY=VALUE'
complete -c klog-topic -n '__fish_seen_subcommand_from create' -l if-not-exists -d 'Exit 0 if the topic exists'
complete -c klog-topic -n '__fish_seen_subcommand_from alter' -l delete-config -x -a 'retention.ms retention.bytes segment.bytes segment.ms cleanup.policy delete.retention.ms min.cleanable.dirty.ratio min.compaction.lag.ms max.message.bytes message.timestamp.type index.interval.bytes' -d 'Reset a config to its default'
complete -c klog-topic -n '__fish_seen_subcommand_from truncate-before compact' -s p -l partition -x -d 'Partition'
complete -c klog-topic -n '__fish_seen_subcommand_from compact' -l key-map-bytes -x -d 'Memory for the key map (k, M, G)'
complete -c klog-topic -n '__fish_seen_subcommand_from compact' -l force -d 'Compact even if cleanup.policy has no compact'
complete -c klog-topic -n '__fish_seen_subcommand_from truncate-before' -l offset -x -d 'New log start offset'
complete -c klog-topic -n '__fish_seen_subcommand_from list describe' -l json -d 'One JSON object per topic'
complete -c klog-topic -n '__fish_seen_subcommand_from delete' -l if-exists -d 'Exit 0 if the topic does not exist'
complete -c klog-topic -n '__fish_seen_subcommand_from describe delete alter truncate-before compact; and __klog_topic_needs_topic' -a '(__klog_topics)' -d 'Topic'
complete -c klog-topic -n '__fish_seen_subcommand_from enforce-retention' -a '(__klog_topics)' -d 'Topic'
