/* A bounded queue of COPY data and the thread that sends it
 * (src/push/copy_pipe.h). */
#include "copy_pipe.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct slot {
  char *data;
  size_t len;
};

struct copy_pipe {
  PGconn *pg;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t filled; /* a slot has data, or the pipe is closing */
  pthread_cond_t freed;  /* a slot was sent */
  struct slot slots[COPY_PIPE_SLOTS];
  size_t head, count; /* the oldest queued slot, and how many are queued */
  bool closing, failed;
};

static void *sender(void *arg) {
  struct copy_pipe *cp = arg;
  pthread_mutex_lock(&cp->lock);
  for (;;) {
    while (cp->count == 0 && !cp->closing)
      pthread_cond_wait(&cp->filled, &cp->lock);
    if (cp->count == 0)
      break; /* closing, and all is sent */
    struct slot *s = &cp->slots[cp->head];
    bool failed = cp->failed;
    pthread_mutex_unlock(&cp->lock);
    /* Blocks while PostgreSQL catches up: the point of this thread. */
    if (!failed && PQputCopyData(cp->pg, s->data, (int)s->len) != 1)
      failed = true;
    pthread_mutex_lock(&cp->lock);
    cp->failed = failed;
    cp->head = (cp->head + 1) % COPY_PIPE_SLOTS;
    cp->count--;
    pthread_cond_signal(&cp->freed);
  }
  pthread_mutex_unlock(&cp->lock);
  return NULL;
}

static void pipe_free(struct copy_pipe *cp) {
  for (size_t i = 0; i < COPY_PIPE_SLOTS; i++)
    free(cp->slots[i].data);
  pthread_cond_destroy(&cp->freed);
  pthread_cond_destroy(&cp->filled);
  pthread_mutex_destroy(&cp->lock);
  free(cp);
}

struct copy_pipe *copy_pipe_open(PGconn *pg) {
  struct copy_pipe *cp = calloc(1, sizeof *cp);
  if (cp == NULL)
    return NULL;
  cp->pg = pg;
  pthread_mutex_init(&cp->lock, NULL);
  pthread_cond_init(&cp->filled, NULL);
  pthread_cond_init(&cp->freed, NULL);
  if (pthread_create(&cp->thread, NULL, sender, cp) != 0) {
    pipe_free(cp);
    return NULL;
  }
  return cp;
}

bool copy_pipe_write(struct copy_pipe *cp, const char *data, size_t len) {
  pthread_mutex_lock(&cp->lock);
  while (cp->count == COPY_PIPE_SLOTS && !cp->failed)
    pthread_cond_wait(&cp->freed, &cp->lock);
  bool ok = !cp->failed;
  if (ok) {
    /* The free slot is not the sender's: it only reads queued ones. */
    struct slot *s = &cp->slots[(cp->head + cp->count) % COPY_PIPE_SLOTS];
    if (s->data == NULL) {
      s->data = malloc(COPY_PIPE_SLOT_BYTES);
      if (s->data == NULL)
        abort();
    }
    memcpy(s->data, data, len);
    s->len = len;
    cp->count++;
    pthread_cond_signal(&cp->filled);
  }
  pthread_mutex_unlock(&cp->lock);
  return ok;
}

bool copy_pipe_close(struct copy_pipe *cp) {
  pthread_mutex_lock(&cp->lock);
  cp->closing = true;
  pthread_cond_signal(&cp->filled);
  pthread_mutex_unlock(&cp->lock);
  pthread_join(cp->thread, NULL);
  bool ok = !cp->failed;
  pipe_free(cp);
  return ok;
}
