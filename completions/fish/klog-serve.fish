# fish completion for klog-serve(1).

complete -c klog-serve -f
complete -c klog-serve -s d -l data-dir -x -a '(__fish_complete_directories)' -d 'Data directory'
complete -c klog-serve -l listen -x -a '127.0.0.1:9092 127.0.0.1:0 0.0.0.0:9092' -d 'Address to listen on'
complete -c klog-serve -l advertise -x -d 'Address given to clients'
complete -c klog-serve -l metrics -x -a '127.0.0.1:9404 127.0.0.1:0 0.0.0.0:9404' -d 'Serve Prometheus metrics at HOST:PORT'
complete -c klog-serve -l node-id -x -d 'Broker node id'
complete -c klog-serve -l config -r -F -d 'Read key=value settings from FILE'
complete -c klog-serve -l log-level -x -a 'error warn info debug' -d 'Most verbose level logged'
complete -c klog-serve -l no-auto-create -d 'Do not create unknown topics on request'
complete -c klog-serve -l default-partitions -x -d 'Partitions of auto-created topics'
complete -c klog-serve -l max-request-bytes -x -d 'Largest request accepted'
complete -c klog-serve -l max-queued-request-bytes -x -d 'Request bytes held before reading stops'
complete -c klog-serve -l max-connections -x -d 'Open connections allowed'
complete -c klog-serve -l idle-timeout-ms -x -d 'Close connections idle this long'
complete -c klog-serve -s h -l help -d 'Print help and exit'
complete -c klog-serve -s V -l version -d 'Print version and exit'
