import { Gateway, isApiError, type ApiError } from './api';

/*
 * The waiting room and the shop behind it, in one page: join → wait (live through Server-Sent Events,
 * the long-poll when they fail) → concert → date → seat → hold (5-minute countdown) → add funds → pay
 * → receipt. The queue token lives in sessionStorage, so a reload keeps the place.
 */

interface Concert { concertId: string; title: string; artist: string; venue: string }
interface Schedule { scheduleId: string; startsAt: string; availableSeats: number }
interface Seat { seatNo: number; price: number; status: 'AVAILABLE' | 'HELD' | 'RESERVED' }
interface Reservation { reservationId: string; scheduleId: string; seatNo: number; price: number; status: string; expiresAt: string }
interface TokenStatus { status: 'PRE_QUEUE' | 'WAITING' | 'ACTIVE'; position: number; estimatedWaitSeconds: number; expiresAt?: string | null; opensAt?: string }

const STORE = { token: 'ticketing.queueToken', initialPosition: 'ticketing.initialPosition', jwt: 'ticketing.jwt', concert: 'ticketing.concert' };

/*
 * An on-sale link names the concert (`/?concert=<concertId>`): the fan joins that concert's own line (a
 * pre-queue before its on-sale time) and, once admitted, goes to that concert alone.
 */
const linked = new URLSearchParams(location.search).get('concert');
if (linked && /^[0-9a-f-]{36}$/i.test(linked) && linked !== sessionStorage.getItem(STORE.concert)) {
  sessionStorage.setItem(STORE.concert, linked);
  sessionStorage.removeItem(STORE.token);
}
const lineConcert = () => sessionStorage.getItem(STORE.concert) ?? undefined;
const authMode = document.querySelector<HTMLMetaElement>('meta[name="auth-mode"]')?.content === 'jwt' ? 'jwt' : 'dev';

/*
 * In AUTH_MODE=jwt the host site hands its bearer token over in the URL fragment (`/#jwt=<token>`, which
 * browsers never send to a server) or by putting it in sessionStorage under `ticketing.jwt` on this origin.
 */
const fromFragment = new URLSearchParams(location.hash.slice(1)).get('jwt');
if (fromFragment) {
  sessionStorage.setItem(STORE.jwt, fromFragment);
  history.replaceState(null, '', location.pathname);
}
const api = new Gateway(() => sessionStorage.getItem(STORE.jwt) ?? undefined);

const main = document.getElementById('app')!;
const notice = document.getElementById('notice')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { label?: string } = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { label, ...rest } = props;
  Object.assign(node, rest);
  if (label) node.setAttribute('aria-label', label);
  node.append(...children);
  return node;
}

function show(...children: Node[]): void {
  main.replaceChildren(...children);
  const heading = main.querySelector<HTMLElement>('h2');
  heading?.setAttribute('tabindex', '-1');
  heading?.focus();
}

function say(message: string, kind: 'info' | 'error' = 'info'): void {
  notice.textContent = message;
  notice.className = kind;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const money = (amount: number) => `${amount.toLocaleString('en')} credits`;

/** What every failed call leads to: a sentence, and the way on its code calls for. */
async function recover(error: unknown, retry?: () => Promise<void>): Promise<void> {
  if (!isApiError(error)) throw error;
  say(error.sentence, 'error');
  if (error.code === 'QUEUE.TOKEN_INVALID') return leaveQueue(false);
  if (error.code === 'QUEUE.TOKEN_NOT_ACTIVE') return waiting();
  if (retry && (error.status === 0 || error.status === 429 || error.status === 503)) {
    await wait((error.retryAfter ?? 2) * 1_000);
    return retry();
  }
}

// ---- join ----

function joinForm(): void {
  const input = el('input', { id: 'user-name', name: 'user', autocomplete: 'username', required: true, pattern: '[A-Za-z0-9_\\-]{1,64}' });
  const form = el(
    'form',
    {},
    ...(authMode === 'dev'
      ? [el('label', { htmlFor: 'user-name' }, 'User name'), input, el('p', { className: 'hint' }, 'Letters, digits, - and _ (up to 64).')]
      : [el('p', {}, sessionStorage.getItem(STORE.jwt) ? 'You are signed in through the ticketing site.' : 'Open this page from the ticketing site to sign in.')]),
    el('button', { type: 'submit' }, 'Join the queue'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void join(authMode === 'dev' ? input.value.trim() : undefined);
  });
  show(el('h2', {}, 'Join the queue'), el('p', {}, 'Everyone gets a fair place in line. Keep this page open: it moves on by itself.'), form);
}

async function join(userId: string | undefined): Promise<void> {
  try {
    const concertId = lineConcert();
    const issued = await api.call<{ token: string; status: string; position: number }>('POST', '/queue/tokens', { ...(userId !== undefined && { userId }), ...(concertId && { concertId }) });
    sessionStorage.setItem(STORE.token, issued.token);
    sessionStorage.setItem(STORE.initialPosition, String(Math.max(issued.position, 1)));
    api.queueToken = issued.token;
    say('');
    if (issued.status === 'ACTIVE') return await concerts();
    return await waiting();
  } catch (error) {
    if (isApiError(error) && error.status === 400) return say('Please use only letters, digits, - and _ in the user name.', 'error');
    return recover(error, () => join(userId));
  }
}

async function leaveQueue(callGateway: boolean): Promise<void> {
  if (callGateway) await api.call('DELETE', '/queue/tokens/me').catch(() => undefined);
  stopWaiting();
  sessionStorage.removeItem(STORE.token);
  api.queueToken = undefined;
  joinForm();
}

// ---- waiting ----

let stopWaiting = () => {};

function waitingView(): { update: (status: TokenStatus) => void; root: HTMLElement } {
  const status = el('p', { id: 'position' });
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  const bar = el('progress', { max: 100, value: 0, label: 'Progress in the queue' });
  const leave = el('button', { type: 'button', className: 'secondary' }, 'Leave the queue');
  leave.addEventListener('click', () => void leaveQueue(true));
  const root = el('section', {}, el('h2', {}, 'You are in the queue'), status, bar, el('p', { className: 'hint' }, 'Keep this page open. Reloading it keeps your place.'), leave);
  return {
    root,
    update: ({ status: state, position, estimatedWaitSeconds, opensAt }) => {
      if (state === 'PRE_QUEUE' && opensAt) {
        const at = new Date(opensAt).toLocaleTimeString('en', { timeStyle: 'medium' });
        status.textContent = `The sale opens at ${at} (in about ${waitText(estimatedWaitSeconds)}). Everyone who joins before then gets a random place in line at the opening: there is no need to hurry or reload.`;
        bar.removeAttribute('value');
        return;
      }
      // The first place seen is the start of the bar (a pre-queue's place is only known at the opening).
      const first = Math.max(Number(sessionStorage.getItem(STORE.initialPosition)) || 0, position);
      sessionStorage.setItem(STORE.initialPosition, String(first));
      const ahead = position - 1;
      status.textContent = `Position ${position} · ${ahead === 0 ? 'you are next' : `${ahead} ${ahead === 1 ? 'person' : 'people'} ahead`} · about ${waitText(estimatedWaitSeconds)}`;
      bar.value = Math.round(Math.max(0, Math.min(1, 1 - (position - 1) / Math.max(first, 1))) * 100);
    },
  };
}

const waitText = (seconds: number) => (seconds < 60 ? `${Math.max(seconds, 1)} s` : `${Math.round(seconds / 60)} min`);

async function waiting(): Promise<void> {
  stopWaiting();
  const view = waitingView();
  show(view.root);
  let done = false;
  const admitted = () => {
    if (done) return;
    done = true;
    stopWaiting();
    say('It is your turn! Choose your concert.');
    void concerts();
  };
  const expired = () => {
    if (done) return;
    done = true;
    stopWaiting();
    say('Your place in the queue has ended. Join the queue again to continue.', 'error');
    void leaveQueue(false);
  };
  // Live updates through Server-Sent Events; after repeated failures, the long-poll instead.
  const stream = new EventSource(`/queue/tokens/me/events?token=${encodeURIComponent(api.queueToken ?? '')}`);
  let failures = 0;
  stream.addEventListener('position', (event) => {
    failures = 0;
    view.update(JSON.parse((event as MessageEvent<string>).data) as TokenStatus);
  });
  // Before the sale opens: one `prequeue` event, then the stream ends and comes back by itself at the opening.
  stream.addEventListener('prequeue', (event) => {
    failures = -1;
    view.update({ position: 0, ...(JSON.parse((event as MessageEvent<string>).data) as Omit<TokenStatus, 'position'>) });
  });
  stream.addEventListener('admitted', admitted);
  stream.addEventListener('expired', expired);
  stream.addEventListener('error', () => {
    failures += 1;
    if (failures >= 3 && !done) {
      stream.close();
      void longPoll(view, () => done, admitted, expired);
    }
  });
  stopWaiting = () => {
    done = true;
    stream.close();
  };
}

async function longPoll(view: { update: (status: TokenStatus) => void }, isDone: () => boolean, admitted: () => void, expired: () => void): Promise<void> {
  while (!isDone()) {
    try {
      const status = await api.call<TokenStatus>('GET', '/queue/tokens/me?wait=30');
      if (status.status === 'ACTIVE') return admitted();
      view.update(status);
      // The long-poll answers a pre-queue token at once: ask again at the opening, not in a loop.
      if (status.status === 'PRE_QUEUE') await wait(Math.min(Math.max(status.estimatedWaitSeconds, 1), 30) * 1_000);
    } catch (error) {
      if (isApiError(error) && error.code === 'QUEUE.TOKEN_INVALID') return expired();
      await wait(((isApiError(error) && error.retryAfter) || 2) * 1_000);
    }
  }
}

// ---- concert, date, seat ----

async function concerts(): Promise<void> {
  try {
    // A concert's line opens that concert only.
    const list = (await api.call<Concert[]>('GET', '/concerts')).filter((concert) => lineConcert() === undefined || concert.concertId === lineConcert());
    const buttons = list.map((concert) => {
      const button = el('button', { type: 'button', className: 'choice' }, el('strong', {}, concert.title), el('span', {}, `${concert.artist} · ${concert.venue}`));
      button.setAttribute('aria-label', `Concert ${concert.title}`);
      button.addEventListener('click', () => void dates(concert));
      return el('li', {}, button);
    });
    show(el('h2', {}, 'Choose a concert'), el('ul', { className: 'choices' }, ...buttons));
  } catch (error) {
    await recover(error, concerts);
  }
}

async function dates(concert: Concert): Promise<void> {
  try {
    const list = await api.call<Schedule[]>('GET', `/concerts/${concert.concertId}/schedules`);
    const buttons = list.map((schedule) => {
      const when = new Date(schedule.startsAt).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
      const button = el('button', { type: 'button', className: 'choice', disabled: schedule.availableSeats === 0 }, el('strong', {}, when), el('span', {}, `${schedule.availableSeats} seats free`));
      button.setAttribute('aria-label', `Date ${when}`);
      button.addEventListener('click', () => void seats(concert, schedule));
      return el('li', {}, button);
    });
    const back = el('button', { type: 'button', className: 'secondary' }, 'Back to concerts');
    back.addEventListener('click', () => void concerts());
    show(el('h2', {}, `${concert.title}: choose a date`), el('ul', { className: 'choices' }, ...buttons), back);
  } catch (error) {
    await recover(error, () => dates(concert));
  }
}

async function seats(concert: Concert, schedule: Schedule): Promise<void> {
  let list: Seat[];
  try {
    list = await api.call<Seat[]>('GET', `/schedules/${schedule.scheduleId}/seats`);
  } catch (error) {
    return recover(error, () => seats(concert, schedule));
  }
  let chosen: Seat | undefined;
  const hold = el('button', { type: 'button', disabled: true }, 'Hold seat');
  const grid = el('div', { className: 'seat-map', role: 'group', label: 'Seats' });
  for (const seat of list) {
    const free = seat.status === 'AVAILABLE';
    const button = el('button', { type: 'button', className: `seat ${seat.status.toLowerCase()}`, disabled: !free }, String(seat.seatNo));
    button.setAttribute('aria-label', `Seat ${seat.seatNo}, ${money(seat.price)}${free ? '' : ', taken'}`);
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', () => {
      grid.querySelectorAll('[aria-pressed="true"]').forEach((other) => other.setAttribute('aria-pressed', 'false'));
      button.setAttribute('aria-pressed', 'true');
      chosen = seat;
      hold.disabled = false;
      hold.textContent = 'Hold seat';
      say(`Seat ${seat.seatNo} selected: ${money(seat.price)}.`);
    });
    grid.append(button);
  }
  hold.addEventListener('click', () => {
    if (!chosen) return;
    hold.disabled = true;
    void holdSeat(concert, schedule, chosen);
  });
  const back = el('button', { type: 'button', className: 'secondary' }, 'Back to dates');
  back.addEventListener('click', () => void dates(concert));
  show(
    el('h2', {}, 'Choose your seat'),
    el('p', { className: 'hint' }, `${concert.title}, ${new Date(schedule.startsAt).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' })}. Grey seats are taken.`),
    grid,
    el('div', { className: 'actions' }, hold, back),
  );
}

async function holdSeat(concert: Concert, schedule: Schedule, seat: Seat): Promise<void> {
  try {
    const reservation = await api.call<Reservation>('POST', '/reservations', { scheduleId: schedule.scheduleId, seatNo: seat.seatNo });
    say(`Seat ${seat.seatNo} is yours for 5 minutes.`);
    await checkout(concert, schedule, reservation);
  } catch (error) {
    if (isApiError(error) && error.status === 409) {
      // Taken meanwhile (or a hold limit): the map is refreshed so the person sees what is left.
      await seats(concert, schedule);
      return say(error.sentence, 'error');
    }
    await recover(error, () => holdSeat(concert, schedule, seat));
  }
}

// ---- hold, funds, pay, receipt ----

let countdown: ReturnType<typeof setInterval> | undefined;

async function checkout(concert: Concert, schedule: Schedule, reservation: Reservation): Promise<void> {
  let balance: number;
  try {
    ({ balance } = await api.call<{ balance: number }>('GET', '/balance'));
  } catch (error) {
    return recover(error, () => checkout(concert, schedule, reservation));
  }
  const timer = el('p', { className: 'countdown' });
  timer.setAttribute('role', 'timer');
  const tick = () => {
    const left = Math.max(0, Math.round((Date.parse(reservation.expiresAt) - Date.now()) / 1000));
    timer.textContent = `Hold ends in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    if (left === 0) {
      clearInterval(countdown);
      say('Your hold ran out before payment. Please choose a seat again.', 'error');
      void seats(concert, schedule);
    }
  };
  clearInterval(countdown);
  countdown = setInterval(tick, 1_000);
  tick();
  const short = Math.max(0, reservation.price - balance);
  const pay = el('button', { type: 'button', disabled: short > 0 }, 'Pay');
  const funds = el('button', { type: 'button', className: 'secondary' }, 'Add funds');
  // The key is kept with the reservation, so paying again after a lost answer cannot charge twice.
  const key = sessionStorage.getItem(`ticketing.pay.${reservation.reservationId}`) ?? crypto.randomUUID();
  sessionStorage.setItem(`ticketing.pay.${reservation.reservationId}`, key);
  funds.addEventListener('click', async () => {
    funds.disabled = true;
    try {
      await api.call('POST', '/balance/charge', { amount: short });
      say(`${money(short)} added.`);
      await checkout(concert, schedule, reservation);
    } catch (error) {
      funds.disabled = false;
      await recover(error);
    }
  });
  pay.addEventListener('click', async () => {
    pay.disabled = true;
    try {
      const paid = await api.call<{ paymentId: string; amount: number }>('POST', '/payments', { reservationId: reservation.reservationId }, { 'Idempotency-Key': key });
      clearInterval(countdown);
      receipt(concert, schedule, reservation, paid);
    } catch (error) {
      pay.disabled = false;
      if (isApiError(error) && error.code === 'BOOKING.RESERVATION_EXPIRED') {
        clearInterval(countdown);
        await seats(concert, schedule);
        return say(error.sentence, 'error');
      }
      await recover(error);
    }
  });
  show(
    el('h2', {}, `Seat ${reservation.seatNo} is held for you`),
    timer,
    el('dl', {}, el('dt', {}, 'Price'), el('dd', {}, money(reservation.price)), el('dt', {}, 'Your balance'), el('dd', {}, money(balance))),
    ...(short > 0 ? [el('p', { className: 'error' }, `Your balance is ${money(short)} short.`)] : []),
    el('div', { className: 'actions' }, pay, ...(short > 0 ? [funds] : [])),
  );
}

function receipt(concert: Concert, schedule: Schedule, reservation: Reservation, paid: { paymentId: string; amount: number }): void {
  sessionStorage.removeItem(STORE.token);
  api.queueToken = undefined;
  say('');
  show(
    el('h2', {}, 'Booking confirmed'),
    el(
      'dl',
      { className: 'receipt' },
      el('dt', {}, 'Concert'),
      el('dd', {}, concert.title),
      el('dt', {}, 'Date'),
      el('dd', {}, new Date(schedule.startsAt).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' })),
      el('dt', {}, 'Seat'),
      el('dd', {}, String(reservation.seatNo)),
      el('dt', {}, 'Paid'),
      el('dd', {}, money(paid.amount)),
      el('dt', {}, 'Reservation'),
      el('dd', { id: 'reservation-id' }, reservation.reservationId),
    ),
    el('p', {}, 'A confirmation is on its way. You can close this page.'),
  );
}

// ---- start: a stored token keeps the place across reloads ----

async function resume(): Promise<void> {
  api.queueToken = sessionStorage.getItem(STORE.token) ?? undefined;
  if (!api.queueToken) return joinForm();
  try {
    const status = await api.call<TokenStatus>('GET', '/queue/tokens/me');
    if (status.status === 'ACTIVE') return await concerts();
    return await waiting();
  } catch (error) {
    if (isApiError(error) && error.code === 'QUEUE.TOKEN_INVALID') {
      sessionStorage.removeItem(STORE.token);
      api.queueToken = undefined;
      say(error.sentence, 'error');
      return joinForm();
    }
    return recover(error as ApiError, resume);
  }
}

void resume();
