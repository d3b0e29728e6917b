/* STUB: generated placeholder until the module lands; every function fails. */
#include "stddef.h"
#include "graph.h"
#include "error.h"
int bt_graph_load(struct bt_graph **out, const char *path,
		  bt_progress_fn progress, void *arg)
{
	return bt_error_set(BT_EINVAL, "bt_graph_load: not implemented");
}
int bt_graph_from_log(struct bt_graph **out, struct bt_log *log,
		      bt_progress_fn progress, void *arg)
{
	return bt_error_set(BT_EINVAL, "bt_graph_from_log: not implemented");
}
void bt_graph_free(struct bt_graph *g)
{
	
}
const struct bt_log * bt_graph_log(const struct bt_graph *g)
{
	return NULL;
}
const char * bt_graph_warning(const struct bt_graph *g)
{
	return NULL;
}
uint32_t bt_graph_nobjects(const struct bt_graph *g)
{
	return 0;
}
uint64_t bt_graph_nevents(const struct bt_graph *g)
{
	return 0;
}
size_t bt_graph_memory(const struct bt_graph *g)
{
	return 0;
}
enum bt_obj_kind bt_graph_kind(const struct bt_graph *g, uint32_t id)
{
	return 0;
}
int bt_graph_object(const struct bt_graph *g, uint32_t id,
		    struct bt_object_info *out)
{
	return bt_error_set(BT_EINVAL, "bt_graph_object: not implemented");
}
void bt_graph_file_paths(const struct bt_graph *g, uint32_t file,
			 void (*fn)(void *arg, const char *path, uint64_t time),
			 void *arg)
{
	
}
size_t bt_graph_in(const struct bt_graph *g, uint32_t id,
		   const uint32_t **out)
{
	return 0;
}
size_t bt_graph_out(const struct bt_graph *g, uint32_t id,
		    const uint32_t **out)
{
	return 0;
}
const struct bt_rec_event * bt_graph_event(const struct bt_graph *g,
					  uint32_t ref)
{
	return NULL;
}
size_t bt_graph_file_pages(const struct bt_graph *g, uint32_t file,
			   const uint32_t **out)
{
	return 0;
}
size_t bt_graph_file_regions(const struct bt_graph *g, uint32_t file,
			     const uint32_t **out)
{
	return 0;
}
bool bt_graph_file_has_pages(const struct bt_graph *g, uint32_t file)
{
	return false;
}
int bt_graph_find_file(const struct bt_graph *g, const char *path,
		       uint32_t *out)
{
	return bt_error_set(BT_EINVAL, "bt_graph_find_file: not implemented");
}
int bt_graph_find_filename(const struct bt_graph *g, const char *path,
			   uint32_t *out)
{
	return bt_error_set(BT_EINVAL, "bt_graph_find_filename: not implemented");
}
int bt_graph_find_process(const struct bt_graph *g, uint32_t pid,
			  uint64_t at, uint32_t *out)
{
	return bt_error_set(BT_EINVAL, "bt_graph_find_process: not implemented");
}
int bt_graph_find_page(const struct bt_graph *g, uint32_t file,
		       uint64_t index, uint32_t *out)
{
	return bt_error_set(BT_EINVAL, "bt_graph_find_page: not implemented");
}
int bt_graph_find_endpoint(const struct bt_graph *g, const char *addr,
			   uint32_t *out)
{
	return bt_error_set(BT_EINVAL, "bt_graph_find_endpoint: not implemented");
}
