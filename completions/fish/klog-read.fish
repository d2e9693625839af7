# fish completion for klog-read(1). Topics come from the data directory given
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

# Prints the partition numbers of the topic given with -t/--topic.
function __klog_partitions
    set -l words (commandline -opc)
    set -l topic
    for i in (seq (count $words))
        switch $words[$i]
            case -t --topic
                set -l j (math $i + 1)
                test $j -le (count $words); and set topic $words[$j]
        end
    end
    test -n "$topic"; or return
    set -l dir (__klog_data_dir)
    for f in $dir/$topic-*/
        string replace -r -f '^.*-([0-9]+)/?$' '$1' -- $f
    end | sort -n
end

# Prints consumer group names: <dir>/__groups/<group>/.
function __klog_groups
    set -l dir (__klog_data_dir)
    for f in $dir/__groups/*/
        basename $f
    end
end

complete -c klog-read -f
complete -c klog-read -s t -l topic -x -a '(__klog_topics)' -d 'Topic to read'
complete -c klog-read -s d -l data-dir -x -a '(__fish_complete_directories)' -d 'Data directory'
complete -c klog-read -s p -l partition -x -a '(__klog_partitions)' -d 'Read partition N (repeatable)'
complete -c klog-read -s o -l offset -x -a 'beginning\t"First record (default)" end\t"Only new records" -10\t"N records before the end" @\t"Timestamp (ms or ISO 8601)"' -d 'Where to start'
complete -c klog-read -l until -x -d 'Stop before offset N or time @T'
complete -c klog-read -s f -l follow -d 'Wait for new records at the end'
complete -c klog-read -s g -l group -x -a '(__klog_groups)' -d 'Read as a member of consumer group G'
complete -c klog-read -l commit-interval -x -d 'With --group: commit printed offsets every MS ms'
complete -c klog-read -l until-end -d 'Exit at the end of the partitions'
complete -c klog-read -s c -l count -x -d 'Exit after N records'
complete -c klog-read -l format -x -d 'Print each record with FMT (%t %p %o %k %s %T %h %K %S %%)'
complete -c klog-read -l json -d 'Print one JSON object per record'
complete -c klog-read -s D -l delimiter -x -d 'Output delimiter (default \n)'
complete -c klog-read -s b -l brokers -x -d 'Broker mode: Kafka brokers HOST:PORT,...'
complete -c klog-read -s X -l property -x -d 'Broker mode: librdkafka setting KEY=VALUE'
complete -c klog-read -s h -l help -d 'Print help and exit'
complete -c klog-read -s V -l version -d 'Print version and exit'
