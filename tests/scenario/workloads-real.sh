#!/bin/sh
# workloads-real.sh - more real programs with a ground truth known by
# construction, under `btrack record`, `btrack record --source ebpf` and a
# real auditd with the shipped rules (SCEN_SOURCES picks; the machinery is
# tests/probes/scenario-lib.sh, as for workloads.sh):
#   cp-tree    cp -a, cp --reflink=auto, cp -r of a directory
#   tar-x      tar -x of an archive, then tar -c --files-from of what it made
#   zip        zip, unzip, and python zipfile extraction
#   gz-sh      gzip | xz through sh -c, and back
#   git-clone  git init + commit, a local clone (hard-linked objects), a
#              commit in the clone that runs a pre-commit hook
#   make-j2    make -j2 with a generated source (sed) and an unrelated
#              target made in parallel from a decoy
#   sqlite-wal the sqlite3 CLI in WAL mode: readfile() in, writefile() out
#   find-xargs find -exec cat {} +, find -print0 | xargs -0 cat
#   orphan     nohup and setsid children whose parent exits first
#   links      a write through a symlink, a hard link renamed, a new file
#              renamed over the old name
#   xdev       mv from /dev/shm (copy + unlink), install -m
#   fifo       dd into a named pipe, dd out of it
#   keys       openssl genpkey + pkey -pubout, ssh-keygen
#   threads    a python process whose threads read and write files
#   mp-shm     python multiprocessing: a pool worker writes a secret into
#              multiprocessing.shared_memory (/dev/shm), the parent reads it
#   mp-array   python multiprocessing: a forked child writes a secret into
#              a multiprocessing.Array (a /dev/shm file unlinked at once,
#              mapped shared, zeroed by the parent), another into an
#              mmap.mmap(-1) (anonymous shared memory); the parent writes
#              what they hold
#   nsview     a bind mount in an unshare -m namespace, and chroot
#   flock      flock -c
#   rsync      rsync -a of a directory, twice (the second a delta: a temp
#              file renamed over the copy)
#   odd-names  cp of files named with a space, a newline, a non-UTF-8 byte
#   script     script -c: the command's output through a pseudo-terminal
#   ptyin      script -c fed on its stdin: what it types into the terminal
#              (the master) read by cat > out on the slave, after a decoy
#              the session shows (the other direction of the pty)
#   pyspawn    python's pty.spawn, the same way round
#   devtty     script -c of a command that writes /dev/tty (the
#              controlling terminal, not its stdout)
#   sti        ioctl TIOCSTI: a program in a pty.spawn session pushes a
#              secret into its terminal's input, as if typed; head reads it
#   ptyrelay   script shows a decoy, then types what comes later on its
#              stdin: script relays both ways (as sshd, tmux do)
#   ptyreuse   two script sessions one after the other (the second one
#              likely gets the first one's pty index): what was typed in
#              the first is no cause of what is read in the second
#   subst      x=$(cat secret); echo "$x" > out (the shell reads the pipe)
#   pyreplace  python: mkstemp, write, fsync, os.replace over the name
#   copytrunc  copytruncate as logrotate does it: cp log log.1; : > log
#              (O_TRUNC), and truncate -s 0 (ftruncate), os.truncate(path,
#              0) (truncate); truncate -s 5 cuts nothing (the control)
#   popen      python subprocess communicate(); awk print | "sort > f"
#   tee        cat secret | tee t1 t2
#   procsubst  bash: <(gzip -c secret) read as /dev/fd/N; exec 3> f
#   xargs-p    xargs -P2: two children at once, each its own file
#   deep       a file deeper than PATH_MAX (25 directories of 200 bytes),
#              written from a secret, then tar -c of the tree
#   inplace    cp over a file that has a second hard link (written in place)
#   dirmove    mv of a directory, then a file read under its new name
#   symswap    a release symlink swapped atomically (ln -s; mv -T)
#   gitco      git checkout of a branch whose commit holds the secret
#   pivot      unshare -m, then pivot_root into a directory (as a container
#              runtime does): the file it writes as /o is the host's jail/o
#   setns      a process enters that container's mount namespace with
#              setns (as nsenter -m and docker exec do), reads its /s and
#              writes its /o2: the host's jail/s and jail/o2
#   fdpass     python: a secret sent to a child over a socketpair; a file
#              descriptor passed over it (SCM_RIGHTS), read by the child;
#              a descriptor taken from another process (pidfd_getfd)
set -eu
top=${BTRACK_TOP:?}
BT=${BTRACK:?}
B=${B:-build}
T=$(mktemp -d /tmp/bt-wreal.XXXXXX)
[ -n "${KEEP:-}" ] && echo "keeping $T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
for t in cc make git tar zip unzip gzip xz sqlite3 find xargs nohup setsid \
	mkfifo dd install openssl ssh-keygen unshare flock rsync script bash \
	tee awk; do
	command -v $t >/dev/null 2>&1 || { echo "no $t"; exit 77; }
done
[ -n "${WORK_SOURCES:-}" ] && SCEN_SOURCES=$WORK_SOURCES

SCENARIOS="
cp-tree	cat decoy > /dev/null; cp -a src dst; cp --reflink=auto src/secret r; cp -r src dr
tar-x	cat decoy > /dev/null; mkdir x; tar -xf in.tar -C x; (cd x && find . -type f | sort > ../list && tar -cf ../out.tar --files-from=../list)
zip	zip -q arch.zip secret other; cat decoy > /dev/null; mkdir u; unzip -q arch.zip -d u; python3 -c 'import zipfile; zipfile.ZipFile(\"arch.zip\").extractall(\"p\")'
gz-sh	cat decoy > /dev/null; sh -c 'gzip -c secret | xz -c > out.xz'; sh -c 'xz -dc out.xz | gzip -dc > back'
git-clone	git init -q a; cp secret a/s.txt; cd a; git add s.txt; git -c user.name=t -c user.email=t@t commit -qm one; cd ..; git clone -q a b; cd b; cp ../hook .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; echo more >> s.txt; git -c user.name=t -c user.email=t@t commit -qam two
make-j2	make -s -j2 all
sqlite-wal	sqlite3 db 'PRAGMA journal_mode=WAL;' 'CREATE TABLE t(x);' \"INSERT INTO t VALUES(readfile('secret'));\" > /dev/null; cat decoy > /dev/null; sqlite3 db \"SELECT writefile('out', x) FROM t;\" > /dev/null
find-xargs	find in -name '*.txt' -exec cat {} + > all; find in -name '*.log' -print0 | xargs -0 cat > logs
orphan	sh -c 'nohup sh -c \"sleep 0.3; cat secret > out\" > /dev/null 2>&1 &'; sh -c 'setsid sh -c \"(sleep 0.3; cat secret2 > out2) &\" &'; while [ ! -s out ] || [ ! -s out2 ]; do sleep 0.05; done; sleep 0.1; cat decoy > /dev/null
links	ln -s real lnk; cat s0 > lnk; cat s1 > a; ln a b; cat s2 >> b; mv b c; cat s3 > n; mv n a; cat decoy > /dev/null
xdev	cat secret > /dev/shm/bt-xdev.\$\$; mv /dev/shm/bt-xdev.\$\$ moved; install -m 600 moved inst; cat decoy > /dev/null
fifo	mkfifo f; dd if=secret of=f 2>/dev/null & dd if=f of=out 2>/dev/null; wait; cat decoy > /dev/null
keys	openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null; cat decoy > /dev/null; openssl pkey -in key.pem -pubout -out pub.pem; ssh-keygen -q -t ed25519 -N '' -C t -f id
threads	python3 ../threads.py
mp-shm	python3 ../mpshm.py
mp-array	python3 ../mparray.py
nsview	mkdir real view; cat secret > real/s; unshare -m sh -c 'mount --bind real view && cat view/s > out'; cat secret2 > jail/s; python3 ../chroot.py jail
flock	flock lk -c 'cat secret > out'; cat decoy > /dev/null
rsync	cat decoy > /dev/null; rsync -a src/ dst/; echo more >> src/secret; rsync -a src/ dst/
odd-names	cp 'sec ret' 'out put'; for f in new*line; do cp \"\$f\" nl-out; done; for f in x*y; do cp \"\$f\" bin-out; done; cat decoy > /dev/null
script	script -qc 'cat secret' ts > /dev/null; cat decoy > /dev/null
subst	x=\$(cat secret); echo \"\$x\" > out; cat decoy > /dev/null
pyreplace	python3 ../replace.py
copytrunc	cat secret >> log; cp log log.1; : > log; cat decoy >> log; cat log > after; cat secret >> l2; truncate -s 0 l2; cat decoy >> l2; cat secret >> l3; python3 -c 'import os; os.truncate(\"l3\", 0)'; cat decoy >> l3; cat secret >> l5; truncate -s 5 l5; cat decoy >> l5
popen	python3 ../popen.py; awk '{ print | \"sort > sorted\" }' secret; cat decoy > /dev/null
tee	cat secret | tee t1 t2 > /dev/null; cat decoy > /dev/null
procsubst	bash -c 'cat <(gzip -c secret) > out.gz; exec 3> fd3; cat secret >&3; exec 3>&-; cat decoy > /dev/null'
pivot	cat secret > jail/s; unshare -m python3 ../pivot.py jail
setns	cat secret > jail/s; unshare -m python3 ../pivot.py jail wait & p=\$!; while [ ! -e jail/ready ] && kill -0 \$p 2>/dev/null; do sleep 0.05; done; python3 ../enter.py \$p; touch jail/stop; wait; cat decoy > /dev/null
deep	python3 ../deep.py; cat decoy > /dev/null; tar -cf a.tar src
inplace	echo old > a; ln a b; cp secret a; cat decoy > /dev/null
dirmove	mkdir d; cat secret > d/f; mv d d2; cat d2/f > out; cat decoy > /dev/null
symswap	mkdir r1 r2; cat decoy > r1/conf; cat secret > r2/conf; ln -s r1 cur; ln -s r2 new; mv -T new cur; cat cur/conf > out
gitco	git init -q g; cd g; echo one > f; git add f; git -c user.name=t -c user.email=t@t commit -qm 1; git checkout -qb b2; cp ../secret f; git -c user.name=t -c user.email=t@t commit -qam 2; git checkout -q master 2>/dev/null || git checkout -q main; git checkout -q b2; cat f > ../out
ptyin	cat secret | script -q -c 'sleep 0.3; cat decoy; cat > out' /dev/null > shown
pyspawn	cat secret | python3 -c 'import pty; pty.spawn([\"sh\", \"-c\", \"sleep 0.3; cat decoy; head -n 1 > out\"])' > shown
devtty	script -q -c 'cat secret > /dev/tty' ts > /dev/null; cat decoy > /dev/null
sti	python3 -c 'import pty; pty.spawn([\"sh\", \"-c\", \"python3 ../sti.py && head -n 1 > out\"])' < /dev/null > /dev/null; cat decoy > /dev/null
ptyrelay	(sleep 1; cat secret) | script -q -c 'cat decoy; cat > out' /dev/null > /dev/null
ptyreuse	cat secret | script -q -c 'cat > out1' /dev/null > /dev/null; cat decoy | script -q -c 'cat > out2' /dev/null > /dev/null
fdpass	python3 ../fdpass.py; cat decoy > /dev/null
xargs-p	ls in | sed 's|^|in/|' | xargs -P2 -n1 sh -c 'tr a-z A-Z < \"\$1\" > \"\$1.up\"' sh
"

CHECKS='
cp-tree	back	file:@/dst/secret	none	reaches	file:@/src/secret
cp-tree	back	file:@/dst/secret	none	lacks	file:@/decoy
cp-tree	back	file:@/r	none	reaches	file:@/src/secret
cp-tree	back	file:@/dr/secret	none	reaches	file:@/src/secret
cp-tree	back	file:@/dr/secret	default	reaches	file:@/src/secret
cp-tree	fwd	file:@/src/secret	none	reaches	file:@/dst/secret	file:@/r	file:@/dr/secret
tar-x	back	file:@/x/d/secret	none	reaches	file:@/in.tar
tar-x	back	file:@/x/d/secret	none	lacks	file:@/decoy
tar-x	back	file:@/out.tar	none	reaches	file:@/x/d/secret	file:@/list	file:@/in.tar
tar-x	fwd	file:@/in.tar	none	reaches	file:@/x/d/secret	file:@/out.tar
zip	back	file:@/u/secret	none	reaches	file:@/secret	file:@/arch.zip
zip	back	file:@/u/secret	none	lacks	file:@/decoy
zip	back	file:@/p/secret	none	reaches	file:@/secret	file:@/arch.zip
zip	back	file:@/p/secret	default	reaches	file:@/secret
zip	fwd	file:@/secret	none	reaches	file:@/u/secret	file:@/p/secret
gz-sh	back	file:@/back	none	reaches	file:@/secret	file:@/out.xz
gz-sh	back	file:@/back	none	lacks	file:@/decoy
gz-sh	back	file:@/back	default	reaches	file:@/secret
gz-sh	fwd	file:@/secret	none	reaches	file:@/out.xz	file:@/back
git-clone	back	file:@/b/s.txt	none	reaches	file:@/secret
git-clone	back	file:@/hookout	none	reaches	file:@/hooksrc	file:@/b/.git/hooks/pre-commit	file:@/hook
git-clone	fwd	file:@/secret	none	reaches	file:@/b/s.txt
make-j2	back	file:@/prog	none	reaches	file:@/gen.in	file:@/main.c
make-j2	back	file:@/prog	none	lacks	file:@/decoy
make-j2	back	file:@/prog	default	reaches	file:@/gen.in
make-j2	fwd	file:@/decoy	none	lacks	file:@/prog
sqlite-wal	back	file:@/out	none	reaches	file:@/secret
sqlite-wal	back	file:@/out	default	reaches	file:@/secret
sqlite-wal	fwd	file:@/secret	none	reaches	file:@/out
find-xargs	back	file:@/all	none	reaches	file:@/in/a.txt	file:@/in/sub/b.txt
find-xargs	back	file:@/all	none	lacks	file:@/in/c.log	file:@/in/d.dat
find-xargs	back	file:@/logs	none	reaches	file:@/in/c.log
find-xargs	back	file:@/logs	none	lacks	file:@/in/a.txt	file:@/in/d.dat
orphan	back	file:@/out	none	reaches	file:@/secret
orphan	back	file:@/out	none	lacks	file:@/decoy
orphan	back	file:@/out2	none	reaches	file:@/secret2
orphan	back	file:@/out2	default	reaches	file:@/secret2
links	back	file:@/real	none	reaches	file:@/s0
links	back	file:@/c	none	reaches	file:@/s1	file:@/s2
links	back	file:@/a	none	reaches	file:@/s3
links	back	file:@/a	none	lacks	file:@/s1	file:@/s2	file:@/decoy
links	fwd	file:@/s1	none	reaches	file:@/c
links	fwd	file:@/s3	none	lacks	file:@/c
links	fwd	file:@/s0	none	reaches	process:/cat	file:*
xdev	back	file:@/moved	none	reaches	file:@/secret
xdev	back	file:@/inst	none	reaches	file:@/secret
xdev	back	file:@/inst	none	lacks	file:@/decoy
xdev	back	file:@/inst	default	reaches	file:@/secret
xdev	fwd	file:@/secret	none	reaches	file:@/inst
fifo	back	file:@/out	none	reaches	file:@/secret
fifo	back	file:@/out	none	lacks	file:@/decoy
fifo	fwd	file:@/secret	none	reaches	file:@/out
keys	back	file:@/pub.pem	none	reaches	file:@/key.pem	process:/openssl
keys	back	file:@/pub.pem	none	lacks	file:@/decoy
keys	back	file:@/id.pub	none	reaches	process:/ssh-keygen
threads	back	file:@/o1	none	reaches	file:@/secret
threads	back	file:@/o1	none	lacks	file:@/decoy
threads	back	file:@/o2	none	reaches	file:@/decoy
mp-shm	back	file:@/out	none	reaches	file:@/secret
mp-shm	back	file:@/out	none	lacks	file:@/decoy
mp-shm	fwd	file:@/secret	none	reaches	file:@/out
nsview	back	file:@/out	none	reaches	file:@/secret
nsview	back	file:@/jail/o	none	reaches	file:@/secret2
nsview	fwd	file:@/secret2	none	reaches	file:@/jail/o
flock	back	file:@/out	none	reaches	file:@/secret
flock	back	file:@/out	none	lacks	file:@/decoy
rsync	back	file:@/dst/secret	none	reaches	file:@/src/secret
rsync	back	file:@/dst/secret	none	lacks	file:@/decoy
rsync	back	file:@/dst/secret	default	reaches	file:@/src/secret
rsync	fwd	file:@/src/secret	none	reaches	file:@/dst/secret
odd-names	back	file:@/out put	none	reaches	file:@/sec ret	process:/cp
odd-names	back	file:@/out put	none	lacks	file:@/decoy
odd-names	back	file:@/nl-out	none	reaches	file:@/new\x0aline
odd-names	back	file:@/bin-out	none	reaches	process:/cp	file:@/x\xffy
script	back	file:@/ts	none	reaches	file:@/secret
script	back	file:@/ts	none	lacks	file:@/decoy
subst	back	file:@/out	none	reaches	file:@/secret
subst	back	file:@/out	none	lacks	file:@/decoy
pyreplace	back	file:@/conf	none	reaches	file:@/secret
pyreplace	back	file:@/conf	none	lacks	file:@/decoy
pyreplace	back	file:@/conf	default	reaches	file:@/secret
copytrunc	back	file:@/log.1	none	reaches	file:@/secret
copytrunc	back	file:@/log.1	none	lacks	file:@/decoy
copytrunc	back	file:@/log	none	reaches	file:@/decoy
copytrunc	back	file:@/log	none	lacks	file:@/secret
copytrunc	back	file:@/after	none	reaches	file:@/decoy
copytrunc	back	file:@/after	none	lacks	file:@/secret
copytrunc	fwd	file:@/secret	none	reaches	file:@/log.1
copytrunc	fwd	file:@/secret	none	lacks	file:@/after
copytrunc	back	file:@/l2	none	reaches	file:@/decoy
copytrunc	back	file:@/l2	none	lacks	file:@/secret
copytrunc	back	file:@/l3	none	reaches	file:@/decoy
copytrunc	back	file:@/l3	none	lacks	file:@/secret
copytrunc	back	file:@/l5	none	reaches	file:@/decoy
copytrunc	back	file:@/l5	none	reaches	file:@/secret
popen	back	file:@/child-out	none	reaches	file:@/secret
popen	back	file:@/child-out	none	lacks	file:@/decoy
popen	back	file:@/sorted	none	reaches	file:@/secret
tee	back	file:@/t2	none	reaches	file:@/secret
tee	back	file:@/t2	none	lacks	file:@/decoy
procsubst	back	file:@/out.gz	none	reaches	file:@/secret
procsubst	back	file:@/fd3	none	reaches	file:@/secret
procsubst	back	file:@/fd3	none	lacks	file:@/decoy
xargs-p	back	file:@/in/a.up	none	reaches	file:@/in/a
xargs-p	back	file:@/in/a.up	none	lacks	file:@/in/b
xargs-p	back	file:@/in/b.up	none	reaches	file:@/in/b
xargs-p	back	file:@/in/b.up	none	lacks	file:@/in/a
pivot	back	file:@/jail/o	none	reaches	file:@/secret
pivot	fwd	file:@/secret	none	reaches	file:root/o
deep	back	file:@/a.tar	none	reaches	file:@/secret
deep	back	file:@/a.tar	none	lacks	file:@/decoy
deep	fwd	file:@/secret	none	reaches	file:@/a.tar
inplace	back	file:@/b	none	reaches	file:@/secret
inplace	back	file:@/b	none	lacks	file:@/decoy
dirmove	back	file:@/out	none	reaches	file:@/secret
dirmove	back	file:@/out	none	lacks	file:@/decoy
symswap	back	file:@/out	none	reaches	file:@/secret
symswap	back	file:@/out	none	lacks	file:@/decoy
gitco	back	file:@/out	none	reaches	file:@/secret
gitco	fwd	file:@/secret	none	reaches	file:@/out
script	fwd	file:@/secret	none	reaches	file:@/ts
ptyin	back	file:@/out	none	reaches	file:@/secret	process:/script
ptyin	back	file:@/out	none	lacks	file:@/decoy
ptyin	back	file:@/shown	none	reaches	file:@/decoy
ptyin	fwd	file:@/secret	none	reaches	file:@/out
ptyin	fwd	file:@/decoy	none	lacks	file:@/out
pyspawn	back	file:@/out	none	reaches	file:@/secret
pyspawn	back	file:@/out	none	lacks	file:@/decoy
pyspawn	back	file:@/shown	none	reaches	file:@/decoy
ptyreuse	back	file:@/out1	none	reaches	file:@/secret
ptyreuse	back	file:@/out2	none	reaches	file:@/decoy
ptyreuse	back	file:@/out2	none	lacks	file:@/secret
devtty	back	file:@/ts	none	reaches	file:@/secret
devtty	back	file:@/ts	none	lacks	file:@/decoy
sti	back	file:@/out	none	reaches	file:@/secret
sti	back	file:@/out	none	lacks	file:@/decoy
ptyrelay	fwd	file:@/secret	none	reaches	file:@/out
ptyrelay	back	file:@/out	none	lacks	file:@/decoy
setns	fwd	file:@/secret	none	reaches	file:root/o2
fdpass	back	file:@/out1	none	reaches	file:@/secret1
fdpass	back	file:@/out1	none	lacks	file:@/secret2
fdpass	back	file:@/out1	none	lacks	file:@/decoy
fdpass	back	file:@/out2	none	reaches	file:@/secret2
fdpass	back	file:@/out2	none	lacks	file:@/decoy
fdpass	back	file:@/out3	none	reaches	file:@/secret3
fdpass	back	file:@/out3	default	reaches	file:@/secret3
fdpass	back	file:@/out3	none	lacks	file:@/decoy
fdpass	fwd	file:@/secret1	none	reaches	file:@/out1
fdpass	fwd	file:@/secret3	none	reaches	file:@/out3
mp-array	back	file:@/out1	none	reaches	file:@/secret1
mp-array	back	file:@/out1	none	lacks	file:@/decoy
mp-array	back	file:@/out2	none	reaches	file:@/secret2
mp-array	fwd	file:@/secret2	none	reaches	file:@/out2
'

DESIGN='
ebpf:pivot:back#*  after pivot_root in another mount namespace the paths walked are from that namespace root, which the host cannot name: its files are named /proc/PID/root/... (pivot fwd#* checks that label)
record:pivot:back#*  after pivot_root in another mount namespace the kernel gives its paths from its own root, which the host cannot name: its files are named /proc/PID/root/... (pivot fwd#* checks that label)
auditd:pivot:back#*  pivot_root is logged at its exit, relative to the new root: where the new root is on the host is not in the log; its files are named /proc/PID/root/... (pivot fwd#* checks that label)
auditd:links:back#38  audit logs name=(null) for a file created through a symlink: the file is followed by its inode, unnamed (its writes are kept: links fwd#42)
auditd:script:*  data through a pseudo-terminal: audit logs no read or write, and not which pty a master is (its index is given by the open and TIOCGPTN, neither logged); the slave comes from TIOCGPTPEER (an ioctl), so the two ends cannot be joined
auditd:ptyin:*  data through a pseudo-terminal: the two ends of a pty cannot be joined from an audit log (see script); what reaches out does so by chance, through the stdin pipe that script hands its child (closed by dup2 before exec, counted as a read or not by the order of the records)
auditd:pyspawn:*  data through a pseudo-terminal: the two ends of a pty cannot be joined from an audit log (see script; ptyin for what reaches out by chance)
auditd:sti:*  TIOCSTI is an ioctl, not in the audit rules; and the two ends of a pty cannot be joined from an audit log (see script)
auditd:devtty:*  data through a pseudo-terminal: the two ends of a pty cannot be joined from an audit log (see script)
auditd:ptyrelay:*  data through a pseudo-terminal: the two ends of a pty cannot be joined from an audit log (see script)
auditd:ptyreuse:*  data through a pseudo-terminal: the two ends of a pty cannot be joined from an audit log (see script; ptyin for what reaches out by chance)
'

KNOWN='
record:ptyrelay:back#*  a relay of a pty (script, sshd, tmux) is one process: what it read from the output (the decoy shown) before it wrote the input (what was typed later) is taken as a cause of that input; the two channels keep the directions apart, the process does not
ebpf:mp-array:back#150  the parent zeroed the page of the Array before the fork: a page fault is recorded only the first time a process touches a page (btrack-capture(1)), so its read of what the child wrote there later makes no fault and no event (the page monitor of record revokes the pages of the parent at the fork; auditd infers reads until exit)
ebpf:ptyrelay:back#*  a relay of a pty (script, sshd, tmux) is one process: what it read from the output before it wrote the input is taken as a cause of that input (record:ptyrelay)
'

prepare() {
	w=$1/cp-tree
	mkdir -p "$w/src/sub"
	echo "the copied secret $$" >"$w/src/secret"
	echo "other $$" >"$w/src/sub/other"
	echo "decoy $$" >"$w/decoy"
	w=$1/tar-x
	mkdir -p "$w/t/d"
	echo "the tarred secret $$" >"$w/t/d/secret"
	echo "decoy $$" >"$w/decoy"
	tar -cf "$w/in.tar" -C "$w/t" d
	rm -rf "$w/t"
	w=$1/zip
	echo "the zipped secret $$" >"$w/secret"
	echo "other $$" >"$w/other"
	echo "decoy $$" >"$w/decoy"
	w=$1/gz-sh
	echo "the compressed secret $$" >"$w/secret"
	echo "decoy $$" >"$w/decoy"
	w=$1/git-clone
	echo "the cloned secret $$" >"$w/secret"
	echo "the hook's input $$" >"$w/hooksrc"
	printf '#!/bin/sh\ncat ../hooksrc > ../hookout\n' >"$w/hook"
	w=$1/make-j2
	echo 'const char *gen = "GEN";' >"$w/gen.in"
	echo "decoy $$" >"$w/decoy"
	printf 'extern const char *gen;\nint main(void) { return gen[0] == 0; }\n' >"$w/main.c"
	printf 'all: prog doc.txt\nprog: main.o gen.o\n\t$(CC) -o prog main.o gen.o\ngen.c: gen.in\n\tsed s/GEN/generated/ gen.in > gen.c\ndoc.txt: decoy\n\tsleep 0.2; tr a-z A-Z < decoy > doc.txt\n' >"$w/Makefile"
	w=$1/sqlite-wal
	echo "the sqlite secret $$" >"$w/secret"
	echo "decoy $$" >"$w/decoy"
	w=$1/find-xargs
	mkdir -p "$w/in/sub"
	echo "a $$" >"$w/in/a.txt"
	echo "b $$" >"$w/in/sub/b.txt"
	echo "c $$" >"$w/in/c.log"
	echo "d $$" >"$w/in/d.dat"
	w=$1/orphan
	echo "the orphan's secret $$" >"$w/secret"
	echo "the daemon's secret $$" >"$w/secret2"
	echo "decoy $$" >"$w/decoy"
	w=$1/links
	for f in s0 s1 s2 s3 decoy; do echo "$f $$" >"$w/$f"; done
	w=$1/xdev
	echo "the moved secret $$" >"$w/secret"
	echo "decoy $$" >"$w/decoy"
	w=$1/fifo
	echo "the piped secret $$" >"$w/secret"
	echo "decoy $$" >"$w/decoy"
	echo "decoy $$" >"$1/keys/decoy"
	w=$1/threads
	echo "the threaded secret $$" >"$w/secret"
	echo "decoy $$" >"$w/decoy"
	# thread 1 copies secret to o1; then thread 2 copies decoy to o2
	cat >"$1/threads.py" <<'PY'
import threading
def cp(a, b):
    with open(a) as f:
        d = f.read()
    with open(b, "w") as f:
        f.write(d)
t = threading.Thread(target=cp, args=("secret", "o1")); t.start(); t.join()
t = threading.Thread(target=cp, args=("decoy", "o2")); t.start(); t.join()
PY
	w=$1/mp-array
	echo "the array secret $$" >"$w/secret1"
	echo "the anonymous secret $$" >"$w/secret2"
	echo "decoy $$" >"$w/decoy"
	cat >"$1/mparray.py" <<'PY'
import mmap
import multiprocessing as mp
def child(arr, anon):
    with open("secret1", "rb") as f:
        d = f.read()
    arr[:len(d)] = d
    with open("secret2", "rb") as f:
        e = f.read()
    anon[:len(e)] = e
if __name__ == "__main__":
    mp.set_start_method("fork")
    arr = mp.Array("c", 256, lock=False)
    anon = mmap.mmap(-1, 4096)
    p = mp.Process(target=child, args=(arr, anon))
    p.start()
    p.join()
    with open("out1", "wb") as f:
        f.write(bytes(arr[:]).rstrip(b"\0"))
    with open("out2", "wb") as f:
        f.write(anon[:4096].rstrip(b"\0"))
    with open("decoy", "rb") as f:
        f.read()
PY
	w=$1/mp-shm
	echo "the shared secret $$" >"$w/secret"
	echo "decoy $$" >"$w/decoy"
	cat >"$1/mpshm.py" <<'PY'
import multiprocessing as mp
from multiprocessing import shared_memory
def work(name):
    with open("secret", "rb") as f:
        d = f.read()
    m = shared_memory.SharedMemory(name=name)
    m.buf[:len(d)] = d
    m.close()
    return len(d)
if __name__ == "__main__":
    m = shared_memory.SharedMemory(create=True, size=4096)
    with mp.Pool(2) as p:
        n = p.apply(work, (m.name,))
    d = bytes(m.buf[:n])
    with open("out", "wb") as f:
        f.write(d)
    m.close()
    m.unlink()
    with open("decoy", "rb") as f:
        f.read()
PY
	w=$1/nsview
	mkdir -p "$w/jail"
	echo "the bound secret $$" >"$w/secret"
	echo "the jailed secret $$" >"$w/secret2"
	cat >"$1/chroot.py" <<'PY'
import os, sys
os.chroot(sys.argv[1])
os.chdir("/")
with open("/s") as f:
    d = f.read()
with open("/o", "w") as f:
    f.write(d)
PY
	w=$1/flock
	echo "the locked secret $$" >"$w/secret"
	echo "decoy $$" >"$w/decoy"
	w=$1/rsync
	mkdir -p "$w/src/sub"
	echo "the synced secret $$" >"$w/src/secret"
	seq 1000 >"$w/src/sub/other"
	echo "decoy $$" >"$w/decoy"
	w=$1/odd-names
	echo "spaced $$" >"$w/sec ret"
	echo "newline $$" >"$w/$(printf 'new\nline')"
	echo "not utf-8 $$" >"$w/$(printf 'x\377y')"
	echo "decoy $$" >"$w/decoy"
	mkdir -p "$1/xargs-p/in"
	echo "a $$" >"$1/xargs-p/in/a"
	echo "b $$" >"$1/xargs-p/in/b"
	# a parent reads its child's output through a pipe (communicate())
	cat >"$1/popen.py" <<'PY'
import subprocess
p = subprocess.Popen(["cat", "secret"], stdout=subprocess.PIPE)
out, _ = p.communicate()
with open("child-out", "wb") as f:
    f.write(out)
PY
	echo "the deep secret $$" >"$1/deep/secret"
	echo "decoy $$" >"$1/deep/decoy"
	cat >"$1/deep.py" <<'PY'
import os
with open("secret") as f:
    d = f.read()
os.mkdir("src")
os.chdir("src")
for i in range(25):
    n = "d%02d_" % i + "x" * 200
    os.mkdir(n)
    os.chdir(n)
with open("secret", "w") as f:
    f.write(d)
PY
	mkdir -p "$1/pivot/jail/old"
	echo "the container's secret $$" >"$1/pivot/secret"
	mkdir -p "$1/setns/jail/old"
	echo "the entered container's secret $$" >"$1/setns/secret"
	echo "decoy $$" >"$1/setns/decoy"
	# enters the mount namespace of process argv[1] (nsenter -m without
	# exec: the container has no programs), then reads /s, writes /o2
	cat >"$1/enter.py" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("/proc/%s/ns/mnt" % sys.argv[1], os.O_RDONLY)
if libc.setns(fd, 0x20000) != 0:
    e = ctypes.get_errno()
    raise OSError(e, "setns: " + os.strerror(e))
os.close(fd)
with open("/s") as f:
    d = f.read()
with open("/o2", "w") as f:
    f.write(d)
PY
	cat >"$1/pivot.py" <<'PY'
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
def chk(r, what):
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, what + ": " + os.strerror(e))
MS_REC, MS_PRIVATE, MS_BIND = 0x4000, 1 << 18, 4096
chk(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount")
j = os.path.abspath(sys.argv[1]).encode()
chk(libc.mount(j, j, None, MS_BIND, None), "bind")
os.chdir(j)
chk(libc.syscall(155, b".", b"old"), "pivot_root")
os.chdir("/")
with open("/s") as f:
    d = f.read()
with open("/o", "w") as f:
    f.write(d)
if len(sys.argv) > 2:  # a container that lives until told to stop
    open("/ready", "w").close()
    t = time.time() + 60
    while not os.path.exists("/stop") and time.time() < t:
        time.sleep(0.05)
PY
	echo "the socketpair secret $$" >"$1/fdpass/secret1"
	echo "the passed descriptor's secret $$" >"$1/fdpass/secret2"
	echo "the taken descriptor's secret $$" >"$1/fdpass/secret3"
	echo "decoy $$" >"$1/fdpass/decoy"
	# descriptors and data passed between processes: over a socketpair
	# (data, then a descriptor by SCM_RIGHTS), and by pidfd_getfd(2)
	cat >"$1/fdpass.py" <<'PY'
import ctypes, os, socket, time
a, b = socket.socketpair()
c1 = os.fork()
if c1 == 0:
    a.close()
    d = b.recv(4096)
    with open("out1", "wb") as f:
        f.write(d)
    b.sendall(b"k")              # out1 is written: the next may come
    msg, fds, _, _ = socket.recv_fds(b, 16, 1)
    d = os.read(fds[0], 4096)
    with open("out2", "wb") as f:
        f.write(d)
    os._exit(0)
b.close()
with open("secret1", "rb") as f:
    a.sendall(f.read())
a.recv(1)
fd = os.open("secret2", os.O_RDONLY)
socket.send_fds(a, [b"x"], [fd])
os.close(fd)
os.waitpid(c1, 0)
a.close()
r, w = os.pipe()                 # made after c1: it holds none of it
c2 = os.fork()
if c2 == 0:
    os.close(r)
    fd = os.open("secret3", os.O_RDONLY)
    os.write(w, b"%d\n" % fd)
    os.close(w)
    t = time.time() + 30
    while not os.path.exists("done") and time.time() < t:
        time.sleep(0.02)
    os._exit(0)
os.close(w)
n = int(os.read(r, 64))
os.close(r)
libc = ctypes.CDLL(None, use_errno=True)
pfd = os.pidfd_open(c2)
got = libc.syscall(438, pfd, n, 0)
if got < 0:
    raise OSError(ctypes.get_errno(), "pidfd_getfd")
d = os.pread(got, 4096, 0)
with open("out3", "wb") as f:
    f.write(d)
open("done", "w").close()
os.waitpid(c2, 0)
PY
	for w in script ptyin pyspawn ptyreuse devtty sti ptyrelay subst pyreplace copytrunc popen tee procsubst inplace \
		dirmove symswap gitco; do
		echo "the $w secret $$" >"$1/$w/secret"
		echo "decoy $$" >"$1/$w/decoy"
	done
	# input pushed into the terminal (fd 0, a pty slave) as if typed
	cat >"$1/sti.py" <<'PY'
import fcntl, termios
for c in open("secret", "rb").read():
    fcntl.ioctl(0, termios.TIOCSTI, bytes([c]))
PY
	# an atomic replace as editors and config tools do it
	cat >"$1/replace.py" <<'PY'
import os, tempfile
with open("secret") as f:
    d = f.read()
fd, tmp = tempfile.mkstemp(dir=".", prefix=".conf.")
with os.fdopen(fd, "w") as f:
    f.write("key = " + d)
    f.flush()
    os.fsync(f.fileno())
os.replace(tmp, "conf")
with open("decoy") as f:
    f.read()
PY
}

SCEN_DEFAULT_SOURCES="record ebpf auditd"
. "$top/tests/probes/scenario-lib.sh"
