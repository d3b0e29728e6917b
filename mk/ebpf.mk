# mk/ebpf.mk - the eBPF capture source (capture/ebpf/): the BPF programs,
# built with `clang -target bpf` against a vmlinux.h that bpftool dumps
# from this machine's BTF (CO-RE: the object then loads on any kernel with
# BTF), and their skeleton from `bpftool gen skeleton`.  Generated files
# stay in $(B)/capture/ebpf; vmlinux.h is never committed.
#
# Built only when clang, bpftool, libbpf (pkg-config) and
# /sys/kernel/btf/vmlinux are all present; otherwise capture/ebpf/loader.c
# is built as a stub that says what is missing, and the rest of btrack
# builds as before.  EBPF=0 forces the stub.

EBPF_B := $(B)/capture/ebpf
EBPF_OBJ := $(EBPF_B)/loader.o
BPF_CLANG ?= clang
# Debian puts bpftool in /usr/sbin, off a user's PATH.
BPFTOOL ?= $(firstword $(shell command -v bpftool 2>/dev/null) \
	$(wildcard /usr/sbin/bpftool /sbin/bpftool) bpftool)
BTF_VMLINUX ?= /sys/kernel/btf/vmlinux
# The multiarch include directory (asm/unistd_64.h for the syscall table).
BPF_ARCH_INC := /usr/include/$(shell $(CC) -print-multiarch 2>/dev/null)

ifneq ($(EBPF),0)
EBPF_MISSING := $(strip \
	$(if $(shell command -v $(BPF_CLANG) 2>/dev/null),,clang) \
	$(if $(shell command -v $(BPFTOOL) 2>/dev/null),,bpftool) \
	$(if $(shell $(PKG_CONFIG) --exists libbpf 2>/dev/null && echo y),,libbpf-dev) \
	$(if $(wildcard $(BTF_VMLINUX)),,BTF($(BTF_VMLINUX))))
else
EBPF_MISSING := EBPF=0
endif

ifeq ($(EBPF_MISSING),)
HAVE_EBPF := 1
PKGS += libbpf
$(EBPF_OBJ): BT_CFLAGS += -DBT_HAVE_EBPF -I$(EBPF_B)
$(EBPF_OBJ): $(EBPF_B)/btrack.skel.h

$(EBPF_B)/vmlinux.h:
	@mkdir -p $(dir $@)
	$(call q,BPFTOOL,$@)$(BPFTOOL) btf dump file $(BTF_VMLINUX) format c >$@.tmp && mv -f $@.tmp $@

$(EBPF_B)/btrack.bpf.o: capture/ebpf/btrack.bpf.c capture/ebpf/btrack_ebpf.h core/record.h kmod/btrack_ioctl.h $(EBPF_B)/vmlinux.h
	$(call q,BPF,$@)$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Wno-unused-function $(if $(filter 1,$(DEVELOPER)),-Werror) -I$(EBPF_B) -I$(BPF_ARCH_INC) -c $< -o $@

$(EBPF_B)/btrack.skel.h: $(EBPF_B)/btrack.bpf.o
	$(call q,GEN,$@)$(BPFTOOL) gen skeleton $< name btrack_bpf >$@.tmp && mv -f $@.tmp $@
else
HAVE_EBPF :=
ebpf-note:
	@echo "btrack: building without the eBPF capture source (missing: $(EBPF_MISSING))" >&2
$(EBPF_OBJ): | ebpf-note
.PHONY: ebpf-note
endif

$(EBPF_OBJ): capture/ebpf/loader.c
	@mkdir -p $(dir $@)
	$(call q,CC,$<)$(CC) $(BT_CFLAGS) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

LIB_OBJ += $(EBPF_OBJ)
$(LIB): $(EBPF_OBJ)
