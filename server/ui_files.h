/* ui_files.h - the dashboard's files (server/static/ui/), compiled into
 * the executable by server/CMakeLists.txt (one octo_embed each, and a
 * generated table of them). */
#ifndef OCTO_UI_FILES_H
#define OCTO_UI_FILES_H

struct octo_ui_file {
    const char *name;          /* "app.js" */
    const unsigned char *data; /* NUL-terminated */
    const unsigned long *len;
};

/* Terminated by an entry whose name is NULL. */
extern const struct octo_ui_file octo_ui_files[];

#endif
