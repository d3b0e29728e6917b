# mk/kmod.mk - the kernel module (kmod/) and its test in a virtual machine.
#   make kmod       build kmod/btrack.ko against KDIR (default: the newest
#                   /usr/src/linux-headers-*-amd64, Debian's headers)
#   make vm-check   boot Debian's kernel for KDIR under qemu (TCG) with a
#                   busybox initramfs, run the scenarios, check the logs
#   make vm-bench   the capture's cost inside the VM (TCG: slow and noisy)
# tests/scenario/kmod-vm.sh runs vm-check from `make check`.

KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
VM_B := $(B)/vm
VM_PROGS := $(VM_B)/pagetest $(VM_B)/burst $(VM_B)/vmcheck

# Kbuild runs in $(B)/kmod (a copy of btrack.c; the headers are found in
# kmod/ through -I), so its outputs stay out of the source tree and apart
# per build directory (one Kbuild at a time there: flock, since several
# `make check` may share a tree); the module is then copied to
# kmod/btrack.ko.
KMOD_B := $(B)/kmod

kmod:
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "btrack: no kernel headers: apt-get install linux-headers-amd64, or set KDIR=" >&2; exit 1; fi
	@mkdir -p $(KMOD_B)
	@cmp -s kmod/btrack.c $(KMOD_B)/btrack.c || cp kmod/btrack.c $(KMOD_B)/btrack.c
	@printf 'obj-m := btrack.o\nccflags-y := -I$(CURDIR)/kmod\n' >$(KMOD_B)/Kbuild.new
	@cmp -s $(KMOD_B)/Kbuild.new $(KMOD_B)/Kbuild && rm -f $(KMOD_B)/Kbuild.new || mv -f $(KMOD_B)/Kbuild.new $(KMOD_B)/Kbuild
	$(call q,KBUILD,$(KMOD_B)/btrack.ko)flock $(KMOD_B)/.lock $(MAKE) --no-print-directory -C $(KDIR) M=$(abspath $(KMOD_B)) modules $(if $(Q),>$(KMOD_B)/build.log 2>&1 || { cat $(KMOD_B)/build.log; exit 1; })
	@cp $(KMOD_B)/btrack.ko kmod/.btrack.ko.$$$$ && mv -f kmod/.btrack.ko.$$$$ kmod/btrack.ko

$(VM_B)/pagetest: tests/vm/pagetest.c
	@mkdir -p $(dir $@)
	$(call q,CC,$@)$(CC) -static -O2 -Wall -o $@ $<

$(VM_B)/burst: tests/vm/burst.c
	@mkdir -p $(dir $@)
	$(call q,CC,$@)$(CC) -static -O2 -Wall -o $@ $<

$(VM_B)/vmcheck: tests/vm/vmcheck.c $(LIB)
	@mkdir -p $(dir $@)
	$(call q,CC,$@)$(CC) $(BT_CFLAGS) $(CFLAGS) $(BT_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

vm-check: kmod $(BIN) $(VM_PROGS)
	$(Q)KDIR=$(KDIR) B=$(B) BIN=$(BIN) KMOD=$(KMOD_B)/btrack.ko sh tests/vm/run.sh check

vm-bench: kmod $(BIN) $(VM_PROGS)
	$(Q)KDIR=$(KDIR) B=$(B) BIN=$(BIN) KMOD=$(KMOD_B)/btrack.ko sh tests/vm/run.sh bench

.PHONY: kmod vm-check vm-bench
