/* The correct OpenTelemetry BatchSpanProcessor (cspot's `spec` variant) in Promela, for the
 * side-by-side comparison in scripts/compare-spin-bsp.sh. Same actors, same atomic steps and
 * same nondeterminism as src/bsp/model.rs: every action is one d_step, so SPIN and cspot
 * explore the same interleavings.
 *
 * Parameters (spin -D...): NP producers, NS spans each, QCAP queue capacity, BATCH batch
 * size; FAILS, TIMEOUTS, RETRIES (0/1) for the exporter; FLUSH and SHUT (0 never, 1 any time).
 *
 * Properties: P1 by construction (one export slot), P3, P4 and P5 by assertions, P2 (no
 * deadlock) and P3's "nothing left when nothing can move" by the `timeout` monitor. The hang
 * half of P2 (a waiting caller in a cycle) would need a separate non-progress run (-DNP);
 * cspot does it in the same run, so this comparison favours SPIN. */

#ifndef NP
#define NP 2
#endif
#ifndef NS
#define NS 3
#endif
#ifndef QCAP
#define QCAP 4
#endif
#ifndef BATCH
#define BATCH 2
#endif
#ifndef FAILS
#define FAILS 1
#endif
#ifndef TIMEOUTS
#define TIMEOUTS 1
#endif
#ifndef RETRIES
#define RETRIES 1
#endif
#ifndef FLUSH
#define FLUSH 1
#endif
#ifndef SHUT
#define SHUT 1
#endif

#define NSPANS (NP * NS)

/* worker */
#define W_IDLE 0
#define W_DRAIN 1
#define W_EXPORTING 2
#define W_EXITED 3
#define M_NORMAL 0
#define M_FLUSH 1
#define M_SHUT 2
/* export call */
#define X_IDLE 0
#define X_ATTEMPT 1
#define X_BACKOFF 2
#define X_RETRY 3
/* ForceFlush caller */
#define F_NOT_CALLED 0
#define F_REQUESTED 1
#define F_SERVED 2
#define F_FLUSHED 3
#define F_RETURNED 4
/* Shutdown caller */
#define S_NOT_CALLED 0
#define S_WAITING 1
#define S_RETURNED 2

byte n[NP];
byte queue[QCAP];
byte qlen;
byte batch[BATCH];
byte blen;
byte wpc;
byte wmode;
byte target;
byte xslot;
bool xshut;
byte ffs;
byte snap[NP];
byte sds;
bool done[NSPANS];
byte k;   /* scratch, always reset to 0 */
byte i;   /* scratch, always reset to 0 */
byte j;   /* scratch, always reset to 0 */

#define slow (xslot == X_BACKOFF || xslot == X_RETRY)

/* Take the next batch of a drain and call Export, or finish the drain. */
inline take() {
  k = BATCH - blen;
  if :: target < k -> k = target :: else -> skip fi;
  if :: qlen < k -> k = qlen :: else -> skip fi;
  if
  :: k == 0 && blen == 0 ->
     target = 0;
     if
     :: wmode == M_FLUSH ->
        if :: ffs == F_SERVED -> ffs = F_FLUSHED :: else -> skip fi;
        wpc = W_IDLE
     :: wmode == M_SHUT ->
        if :: ffs == F_REQUESTED || ffs == F_SERVED -> ffs = F_FLUSHED :: else -> skip fi;
        wpc = W_EXITED
     :: else -> wpc = W_IDLE
     fi;
     wmode = M_NORMAL
  :: else ->
     assert(sds != S_RETURNED);           /* P5 */
     i = 0;
     do
     :: i < k -> batch[blen] = queue[i]; blen++; i++
     :: else -> break
     od;
     i = 0;
     do
     :: i + k < QCAP -> queue[i] = queue[i + k]; i++
     :: else -> break
     od;
     do
     :: i < QCAP -> queue[i] = 0; i++
     :: else -> break
     od;
     qlen = qlen - k;
     target = target - k;
     xslot = X_ATTEMPT;
     wpc = W_EXPORTING
  fi;
  i = 0; k = 0
}

/* An Export call returns: its spans are settled. */
inline complete() {
  i = 0;
  do
  :: i < blen -> assert(!done[batch[i] - 1]); done[batch[i] - 1] = 1; batch[i] = 0; i++   /* P3: once */
  :: else -> break
  od;
  i = 0; blen = 0;
  xslot = X_IDLE;
  if
  :: wpc == W_EXPORTING ->
     if :: wmode == M_NORMAL && target == 0 -> wpc = W_IDLE :: else -> wpc = W_DRAIN fi
  :: else -> skip
  fi
}

/* Every span OnEnd accepted is settled (P3). */
inline all_settled() {
  i = 0;
  do
  :: i < NP ->
     j = 0;
     do
     :: j < n[i] -> assert(done[i * NS + j]); j++
     :: else -> break
     od;
     i++
  :: else -> break
  od;
  i = 0; j = 0
}

active [NP] proctype Producer() {
end_producer:
  do
  :: d_step {
       n[_pid] < NS ->
       if
       :: sds != S_NOT_CALLED -> done[_pid * NS + n[_pid]] = 1
       :: else ->
          if
          :: qlen >= QCAP -> done[_pid * NS + n[_pid]] = 1
          :: else -> queue[qlen] = _pid * NS + n[_pid] + 1; qlen++
          fi
       fi;
       n[_pid]++
     }
  od
}

active proctype Worker() {
end_idle:
  do
  :: d_step { wpc == W_IDLE && sds == S_WAITING && xslot == X_IDLE ->
       wmode = M_SHUT; target = qlen; take() }
  :: d_step { wpc == W_IDLE && ffs == F_REQUESTED && xslot == X_IDLE ->
       ffs = F_SERVED; wmode = M_FLUSH; target = qlen; take() }
  :: d_step { wpc == W_IDLE && qlen >= BATCH && xslot == X_IDLE ->
       wmode = M_NORMAL; target = BATCH; take() }
  :: d_step { wpc == W_IDLE && qlen > 0 && qlen < BATCH && xslot == X_IDLE ->
       wmode = M_NORMAL; target = qlen; take() }
  :: d_step { wpc == W_DRAIN && xslot == X_IDLE -> take() }
  od
}

active proctype Exporter() {
end_wait:
  do
  :: d_step { xslot == X_ATTEMPT && xshut -> complete() }          /* fails: shut down */
  :: d_step { xslot == X_ATTEMPT && !xshut -> complete() }         /* success */
#if FAILS && RETRIES
  :: d_step { xslot == X_ATTEMPT && !xshut -> xslot = X_BACKOFF }  /* unreachable: back off */
#endif
#if FAILS && !RETRIES
  :: d_step { xslot == X_ATTEMPT && !xshut -> complete() }         /* failure */
#endif
#if TIMEOUTS
  :: d_step { xslot == X_ATTEMPT && !xshut -> complete() }         /* timeout */
#endif
  :: d_step { (xslot == X_BACKOFF || xslot == X_RETRY) && xshut -> complete() }
  :: d_step { xslot == X_BACKOFF && !xshut -> xslot = X_RETRY }
  :: d_step { xslot == X_RETRY && !xshut -> xslot = X_BACKOFF }
  od
}

active proctype Flusher() {
end_flusher:
  do
#if FLUSH
  :: d_step { ffs == F_NOT_CALLED ->
       if
       :: sds != S_NOT_CALLED -> ffs = F_RETURNED
       :: else ->
          ffs = F_REQUESTED;
          i = 0;
          do
          :: i < NP -> snap[i] = n[i]; i++
          :: else -> break
          od;
          i = 0
       fi }
#endif
  :: d_step { ffs == F_FLUSHED ->
       /* P4: every span ended before the call went through a returned Export (or was dropped) */
       i = 0;
       do
       :: i < NP ->
          j = 0;
          do
          :: j < snap[i] -> assert(done[i * NS + j]); j++
          :: else -> break
          od;
          snap[i] = 0;
          i++
       :: else -> break
       od;
       i = 0; j = 0;
       ffs = F_RETURNED }
  :: d_step { (ffs == F_REQUESTED || ffs == F_SERVED) && slow ->
       i = 0;
       do
       :: i < NP -> snap[i] = 0; i++
       :: else -> break
       od;
       i = 0;
       ffs = F_RETURNED }
  od
}

active proctype Shutter() {
end_shutter:
  do
#if SHUT
  :: d_step { sds == S_NOT_CALLED -> sds = S_WAITING }
#endif
  :: d_step { sds == S_WAITING && !xshut && slow -> xshut = 1 }
  :: d_step { sds == S_WAITING && wpc == W_EXITED ->
       xshut = 1; sds = S_RETURNED;
       assert(xslot == X_IDLE);   /* P5 */
       all_settled() }            /* P3 */
  od
}

/* When no process can move: no caller is still waiting (P2: no deadlock) and every accepted
 * span is settled (P3). Every other process idles at an end label, so this is the deadlock check. */
active proctype Final() {
end_final:
  timeout -> d_step {
    assert(ffs != F_REQUESTED && ffs != F_SERVED && ffs != F_FLUSHED && sds != S_WAITING);
    all_settled() }
}
