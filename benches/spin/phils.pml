/* The dining philosophers of specs/phils.csp, in Promela, for scripts/compare-spin-phils.sh.
 *
 * Same system as the CSP one: N philosophers, each cycling through sits, picks (left),
 * picks (right), eats, putsdown (right), putsdown (left), getsup, one statement per event;
 * forks as shared bytes (0 free, otherwise holder + 1). With -DBUTLER at most N - 1 sit at
 * once (the butler is the counter `seated`); with -DLEFTY philosopher 0 picks up the right
 * fork first. Compile with -DN=<size>. A deadlock is an invalid end state. */

#ifndef N
#define N 5
#endif

byte fork[N];
byte seated;

#define L(i) (i)
#define R(i) ((i + 1) % N)

proctype phil(byte i) {
end:
  do
  :: 
#ifdef BUTLER
     atomic { seated < N - 1 -> seated++ };
#else
     skip;
#endif
#ifdef LEFTY
     if
     :: i == 0 -> atomic { fork[R(i)] == 0 -> fork[R(i)] = i + 1 };
                  atomic { fork[L(i)] == 0 -> fork[L(i)] = i + 1 }
     :: else -> atomic { fork[L(i)] == 0 -> fork[L(i)] = i + 1 };
                atomic { fork[R(i)] == 0 -> fork[R(i)] = i + 1 }
     fi;
#else
     atomic { fork[L(i)] == 0 -> fork[L(i)] = i + 1 };
     atomic { fork[R(i)] == 0 -> fork[R(i)] = i + 1 };
#endif
     skip;                 /* eats */
     fork[R(i)] = 0;
     fork[L(i)] = 0;
#ifdef BUTLER
     seated--
#else
     skip
#endif
  od
}

init {
  atomic {
    byte k = 0;
    do
    :: k < N -> run phil(k); k++
    :: else -> break
    od
  }
}
