// libedit's native (histedit) API, wrapped in non-variadic functions:
// el_set, el_get and history are C-variadic, which Swift cannot call
// (see shared/PLATFORM.md, "libedit from Swift").
#include <stdio.h>
#include <histedit.h>

static inline EditLine *rlhf_el_init(const char *program) { return el_init(program, stdin, stdout, stderr); }
static inline int rlhf_el_set_prompt(EditLine *e, char *(*prompt)(EditLine *)) { return el_set(e, EL_PROMPT, prompt); }
static inline int rlhf_el_set_editor(EditLine *e, const char *mode) { return el_set(e, EL_EDITOR, mode); }
static inline int rlhf_el_set_history(EditLine *e, History *h) { return el_set(e, EL_HIST, history, h); }
static inline int rlhf_el_set_signal(EditLine *e, int on) { return el_set(e, EL_SIGNAL, on); }
static inline int rlhf_el_add_function(EditLine *e, const char *name, const char *help,
                                       unsigned char (*function)(EditLine *, int)) {
    return el_set(e, EL_ADDFN, name, help, function);
}
static inline int rlhf_el_bind(EditLine *e, const char *key, const char *function) {
    return el_set(e, EL_BIND, key, function, NULL);
}
static inline int rlhf_el_set_client_data(EditLine *e, void *data) { return el_set(e, EL_CLIENTDATA, data); }
static inline void *rlhf_el_client_data(EditLine *e) {
    void *data = NULL;
    el_get(e, EL_CLIENTDATA, &data);
    return data;
}
static inline History *rlhf_history_init(int size) {
    History *h = history_init();
    HistEvent event;
    history(h, &event, H_SETSIZE, size);
    history(h, &event, H_SETUNIQUE, 1);
    return h;
}
static inline int rlhf_history_enter(History *h, const char *line) { HistEvent e; return history(h, &e, H_ENTER, line); }
static inline int rlhf_history_load(History *h, const char *file) { HistEvent e; return history(h, &e, H_LOAD, file); }
static inline int rlhf_history_save(History *h, const char *file) { HistEvent e; return history(h, &e, H_SAVE, file); }
