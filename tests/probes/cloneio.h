/* cloneio.h - the reflink probes (ficlone, ficlonerange): the sink made a
 * clone of the source by ioctl, then the decoy. */
#include "probe.h"
#include <linux/fs.h>
#include <sys/ioctl.h>

static int clone_file(const char *src, const char *sink, int range)
{
	struct file_clone_range cr;
	int in, out, r;

	if ((in = open(src, O_RDONLY)) < 0)
		die(src);
	if ((out = open(sink, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(sink);
	if (range) {
		memset(&cr, 0, sizeof cr);
		cr.src_fd = in;
		r = ioctl(out, FICLONERANGE, &cr);
	} else {
		r = ioctl(out, FICLONE, in);
	}
	if (r < 0) {
		if (errno == EOPNOTSUPP || errno == EXDEV || errno == EINVAL ||
		    errno == ENOTTY || errno == ENOSYS)
			unavailable("a reflink (a file system with reflinks)");
		die(range ? "FICLONERANGE" : "FICLONE");
	}
	close(in);
	close(out);
	decoy();
	return 0;
}
