# fish completion for klog-dump(1): segment, index and digest files, and
# partition directories.

# Prints the files under the token being completed that klog-dump reads.
function __klog_dump_files
    set -l cur (commandline -ct)
    __fish_complete_directories $cur ''
    for f in $cur*.log $cur*.index $cur*.timeindex $cur*.xxh3
        test -f $f; and echo $f
    end
end

complete -c klog-dump -f
complete -c klog-dump -a '(__klog_dump_files)'
complete -c klog-dump -l records -d 'Also print one line per record'
complete -c klog-dump -l index -d 'Print index entries'
complete -c klog-dump -l verify -d 'Check CRCs, offsets, indexes and digests'
complete -c klog-dump -l json -d 'Print JSON objects instead of text'
complete -c klog-dump -s h -l help -d 'Print help and exit'
complete -c klog-dump -s V -l version -d 'Print version and exit'
