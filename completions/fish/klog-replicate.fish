# fish completion for klog-replicate(1). Topics (-t) come from the source
# directory given with -s/--source, else from the --compare directories, else
# from the data directory given with -d/--data-dir, else $KLOG_DIR, else
# ./klog-data.

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

# Prints the directories whose topics -t offers, one per line: the -s source,
# else the two --compare directories, else the data directory.
function __klog_replicate_dirs
    set -l words (commandline -opc)
    set -l source
    set -l compare
    for i in (seq (count $words))
        switch $words[$i]
            case -s --source
                set -l j (math $i + 1)
                test $j -le (count $words); and set source $words[$j]
            case '--source=*'
                set source (string replace -- --source= '' $words[$i])
            case --compare
                set compare $words[(math $i + 1)..(math $i + 2)]
        end
    end
    if test -n "$source"
        echo $source
    else if set -q compare[1]
        printf '%s\n' $compare
    else
        __klog_data_dir
    end
end

# Prints the topic names of those directories: <dir>/<topic>.topic.json and
# <dir>/<topic>-<N>/.
function __klog_replicate_topics
    for dir in (__klog_replicate_dirs)
        for f in $dir/*.topic.json
            string replace -r '\.topic\.json$' '' -- (basename $f)
        end
        for f in $dir/*-*/
            string replace -r -f '^(.+)-[0-9]+/?$' '$1' -- (basename $f)
        end
    end | sort -u
end

# True when the word being completed is the second directory of --compare.
function __klog_replicate_second_compare_dir
    set -l words (commandline -opc)
    test (count $words) -ge 2; and test "$words[-2]" = --compare
end

complete -c klog-replicate -f
complete -c klog-replicate -s s -l source -x -a '(__fish_complete_directories)' -d 'Data directory to copy from'
complete -c klog-replicate -s b -l brokers -x -d 'Brokers to copy from (HOST:PORT,...)'
complete -c klog-replicate -s d -l data-dir -x -a '(__fish_complete_directories)' -d 'Data directory to copy into'
complete -c klog-replicate -s t -l topic -x -a '(__klog_replicate_topics)' -d 'Topic to copy or compare (repeatable)'
complete -c klog-replicate -l compare -x -a '(__fish_complete_directories)' -d 'Compare two data directories'
complete -c klog-replicate -n __klog_replicate_second_compare_dir -x -a '(__fish_complete_directories)'
complete -c klog-replicate -l no-truncate -d 'Refuse, rather than truncate, a diverged copy'
complete -c klog-replicate -s f -l follow -d 'Keep copying until SIGINT or SIGTERM'
complete -c klog-replicate -l stats -d 'Print what was copied and the lag, one line per partition'
complete -c klog-replicate -l progress -d 'Show progress on stderr (TTY only)'
complete -c klog-replicate -s h -l help -d 'Print help and exit'
complete -c klog-replicate -s V -l version -d 'Print version and exit'
