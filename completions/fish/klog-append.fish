# fish completion for klog-append(1). Topics come from the data directory given
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

complete -c klog-append -f
complete -c klog-append -s t -l topic -x -a '(__klog_topics)' -d 'Topic to append to'
complete -c klog-append -s d -l data-dir -x -a '(__fish_complete_directories)' -d 'Data directory'
complete -c klog-append -s p -l partition -x -a '(__klog_partitions)' -d 'Append every record to partition N'
complete -c klog-append -s D -l delimiter -x -d 'Record delimiter (default \n)'
complete -c klog-append -s K -l key-delimiter -x -d 'Split records into key and value at DELIM'
complete -c klog-append -l json -d 'Read one JSON object per line'
complete -c klog-append -s H -l header -x -d 'Add header NAME=VALUE to every record'
complete -c klog-append -l partitions -x -d 'Partition count when the topic is created'
complete -c klog-append -l no-create -d 'Fail if the topic does not exist'
complete -c klog-append -s z -l compression -x -a 'none gzip snappy lz4 zstd' -d 'Batch compression'
complete -c klog-append -l flush -x -a 'none\t"Page cache only (default)" batch\t"fdatasync every batch" 1000\t"Sync at most every MS ms"' -d 'When to sync to disk'
complete -c klog-append -l batch-bytes -x -a '64k 1M 16M' -d 'Maximum batch size'
complete -c klog-append -l progress -d 'Print progress on stderr when it is a terminal'
complete -c klog-append -s b -l brokers -x -d 'Broker mode: Kafka brokers HOST:PORT,...'
complete -c klog-append -s X -l property -x -d 'Broker mode: librdkafka setting KEY=VALUE'
complete -c klog-append -l acks -x -a '0 1 all' -d 'Broker mode only: acknowledgements to wait for'
complete -c klog-append -l linger-ms -x -d 'Broker mode only: wait up to MS ms to fill a batch'
complete -c klog-append -s h -l help -d 'Print help and exit'
complete -c klog-append -s V -l version -d 'Print version and exit'
