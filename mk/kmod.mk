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

kmod:
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "btrack: no kernel headers: apt-get install linux-headers-amd64, or set KDIR=" >&2; exit 1; fi
	$(call q,KBUILD,kmod/btrack.ko)$(MAKE) --no-print-directory -C $(KDIR) M=$(CURDIR)/kmod modules $(if $(Q),>$(CURDIR)/kmod/.build.log 2>&1 || { cat $(CURDIR)/kmod/.build.log; exit 1; })

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
	$(Q)KDIR=$(KDIR) B=$(B) BIN=$(BIN) sh tests/vm/run.sh check

vm-bench: kmod $(BIN) $(VM_PROGS)
	$(Q)KDIR=$(KDIR) B=$(B) BIN=$(BIN) sh tests/vm/run.sh bench

.PHONY: kmod vm-check vm-bench
