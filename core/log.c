/* STUB: generated placeholder until the module lands; every function fails. */
#include "stddef.h"
#include "log.h"
#include "error.h"
int bt_log_writer_open(struct bt_log_writer **out, const char *path,
		       unsigned flags)
{
	return bt_error_set(BT_EINVAL, "bt_log_writer_open: not implemented");
}
uint32_t bt_log_writer_objects(const struct bt_log_writer *w)
{
	return 0;
}
uint64_t bt_log_writer_size(const struct bt_log_writer *w)
{
	return 0;
}
int bt_log_append_event(struct bt_log_writer *w, uint8_t op, uint8_t flags,
			uint32_t aux, uint64_t time, uint32_t cause,
			uint32_t effect)
{
	return bt_error_set(BT_EINVAL, "bt_log_append_event: not implemented");
}
int bt_log_append_process(struct bt_log_writer *w, uint32_t id, uint32_t pid,
			  uint64_t start, uint32_t ppid, uint32_t uid)
{
	return bt_error_set(BT_EINVAL, "bt_log_append_process: not implemented");
}
int bt_log_append_file(struct bt_log_writer *w, uint32_t id, uint32_t flags,
		       uint64_t dev, uint64_t ino)
{
	return bt_error_set(BT_EINVAL, "bt_log_append_file: not implemented");
}
int bt_log_append_filename(struct bt_log_writer *w, uint32_t id,
			   const char *path, size_t len)
{
	return bt_error_set(BT_EINVAL, "bt_log_append_filename: not implemented");
}
int bt_log_append_page(struct bt_log_writer *w, uint32_t id, uint32_t file,
		       uint64_t index)
{
	return bt_error_set(BT_EINVAL, "bt_log_append_page: not implemented");
}
int bt_log_append_endpoint(struct bt_log_writer *w, uint32_t id,
			   const char *addr, size_t len)
{
	return bt_error_set(BT_EINVAL, "bt_log_append_endpoint: not implemented");
}
int bt_log_append_region(struct bt_log_writer *w, uint32_t id, uint32_t file,
			 uint32_t process, uint32_t prot, uint64_t first,
			 uint64_t count)
{
	return bt_error_set(BT_EINVAL, "bt_log_append_region: not implemented");
}
int bt_log_append_label(struct bt_log_writer *w, uint32_t object,
			uint32_t key, uint64_t time, const char *value,
			size_t len)
{
	return bt_error_set(BT_EINVAL, "bt_log_append_label: not implemented");
}
int bt_log_append_note(struct bt_log_writer *w, uint32_t key, uint64_t time,
		       const char *text, size_t len)
{
	return bt_error_set(BT_EINVAL, "bt_log_append_note: not implemented");
}
void bt_log_writer_commit(struct bt_log_writer *w)
{
	
}
void bt_log_writer_set_flags(struct bt_log_writer *w, uint32_t flags)
{
	
}
int bt_log_writer_sync(struct bt_log_writer *w)
{
	return bt_error_set(BT_EINVAL, "bt_log_writer_sync: not implemented");
}
int bt_log_writer_close(struct bt_log_writer *w)
{
	return bt_error_set(BT_EINVAL, "bt_log_writer_close: not implemented");
}
void bt_log_writer_abort(struct bt_log_writer *w)
{
	
}
int bt_log_open(struct bt_log **out, const char *path)
{
	return bt_error_set(BT_EINVAL, "bt_log_open: not implemented");
}
int bt_log_open_mem(struct bt_log **out, const void *data, size_t size)
{
	return bt_error_set(BT_EINVAL, "bt_log_open_mem: not implemented");
}
void bt_log_close(struct bt_log *log)
{
	
}
const uint8_t * bt_log_data(const struct bt_log *log)
{
	return NULL;
}
uint64_t bt_log_committed(const struct bt_log *log)
{
	return 0;
}
uint64_t bt_log_file_size(const struct bt_log *log)
{
	return 0;
}
const struct bt_log_header * bt_log_header(const struct bt_log *log)
{
	return NULL;
}
const char * bt_log_warning(const struct bt_log *log)
{
	return NULL;
}
void bt_log_iter_init(struct bt_log_iter *it, const struct bt_log *log)
{
	
}
int bt_log_next(struct bt_log_iter *it, const struct bt_rec_head **out)
{
	return bt_error_set(BT_EINVAL, "bt_log_next: not implemented");
}
void bt_log_iter_release(struct bt_log_iter *it)
{
	
}
bool bt_op_kinds_ok(unsigned op, unsigned ck, unsigned ek)
{
	return false;
}
const char * bt_op_name(unsigned op)
{
	return NULL;
}
const char * bt_kind_name(unsigned kind)
{
	return NULL;
}
int bt_op_parse(unsigned *out, const char *name)
{
	return bt_error_set(BT_EINVAL, "bt_op_parse: not implemented");
}
int bt_log_stats(const struct bt_log *log, struct bt_log_stats *out)
{
	return bt_error_set(BT_EINVAL, "bt_log_stats: not implemented");
}
