"""Make OCI processes startable on a host whose root lacks some capabilities.

Called by the ds01test runtime (see `up`) just before `runc create` and `runc exec`, with
the subcommand and runc's arguments. It rewrites only the file runc reads (the bundle's
config.json, or the process.json of `docker exec`); docker keeps its own record, so
`docker inspect` still shows what was asked for (Privileged, memlock -1).
"""
import json
import os
import resource
import sys

# Capability numbers, from linux/capability.h (index = number).
CAPS = """CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE
SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME
SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE""".split()
CAP_NUMBER = {"CAP_" + name: n for n, name in enumerate(CAPS)}


def option(args, long, short):
    for i, arg in enumerate(args):
        if arg in (long, short) and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(long + "="):
            return arg.split("=", 1)[1]
    return None


def bounding_set():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("CapBnd:"):
                return int(line.split()[1], 16)
    return ~0


def fit(process):
    # runc cannot grant a capability that is outside its own bounding set
    # ("unable to apply caps: operation not permitted"), so drop those.
    bounding = bounding_set()
    caps = process.get("capabilities") or {}
    for kind, names in caps.items():
        caps[kind] = [c for c in names or [] if c not in CAP_NUMBER or bounding >> CAP_NUMBER[c] & 1]

    # Raising a hard limit needs CAP_SYS_RESOURCE ("error setting rlimit type 8" for
    # --ulimit memlock=-1), so lower any limit above our own hard limit to that limit.
    for limit in process.get("rlimits") or []:
        which = getattr(resource, limit.get("type", ""), None)
        if which is None:
            continue
        hard = resource.getrlimit(which)[1]
        if hard == resource.RLIM_INFINITY:
            continue
        for key in ("soft", "hard"):
            if limit.get(key, 0) > hard:
                limit[key] = hard


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "create":
        path = os.path.join(option(args, "--bundle", "-b") or ".", "config.json")
    else:  # exec: without --process, runc takes the process from the (fixed) config.json
        path = option(args, "--process", "-p")
        if path is None:
            return
    with open(path) as f:
        doc = json.load(f)
    fit((doc.get("process") or {}) if command == "create" else doc)
    tmp = path + ".ds01test"
    with open(tmp, "w") as f:
        json.dump(doc, f)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
