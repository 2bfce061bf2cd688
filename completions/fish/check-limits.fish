complete -c check-limits -s v -l verbose -d 'Also show the task (process) limit.'
