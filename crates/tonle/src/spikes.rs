//! Records whose event time jumps far ahead of the records around them (a mistyped year, a placeholder date
//! such as 2099-12-31), found before they reach the engine. Fed to the engine, such a record would move its
//! latest event time so far ahead that every record after it is refused as too late, and `--on-error skip`
//! would lose the rest of the file instead of one record.
//!
//! A record more than the lateness bound ahead of every record passed so far is held back, with up to
//! [`MAX_RUN`] more like it. The next record that is not settles them: if it would be too late after them but
//! not before them, they are the odd ones out and are reported; otherwise they are passed on, in order (a
//! real jump in time, such as an account waking after months of quiet, followed by records at the new time).
//! The last records of the input cannot be judged that way and are passed on.

/// The most records held back as one jump ahead; a longer run is taken as a real jump.
pub const MAX_RUN: usize = 16;

/// What the filter hands on, in input order.
#[derive(Debug, PartialEq, Eq)]
pub enum Passed<T> {
    /// A record to decide.
    Record(T),
    /// A record jumping ahead of those around it: not to be decided.
    Spike {
        /// The record.
        record: T,
        /// Its event time (UTC ms).
        time: i64,
        /// The latest event time of the records passed before it.
        latest: i64,
        /// The event time of the record after it that showed it was out of place.
        next: i64,
    },
}

/// The filter, over records of type `T` with their event times.
pub struct TimeSpikes<T> {
    lateness: i64,
    /// The latest event time passed on.
    latest: Option<i64>,
    /// The records held back, with their times.
    held: Vec<(T, i64)>,
}

impl<T> TimeSpikes<T> {
    /// A filter for an engine that folds in records up to `lateness` ms behind its latest event time.
    pub fn new(lateness: i64) -> TimeSpikes<T> {
        TimeSpikes { lateness: lateness.max(0), latest: None, held: Vec::new() }
    }

    /// Takes the next record; appends to `out` whatever can be handed on now.
    pub fn push(&mut self, record: T, time: i64, out: &mut Vec<Passed<T>>) {
        let Some(latest) = self.latest else {
            self.latest = Some(time);
            out.push(Passed::Record(record));
            return;
        };
        if time > latest.saturating_add(self.lateness) {
            if self.held.len() < MAX_RUN {
                self.held.push((record, time));
                return;
            }
            // Too long a run to be a slip: a real jump. Hand it on, then judge this record after it.
            self.release(out);
            self.push(record, time, out);
            return;
        }
        if let Some(run_latest) = self.held.iter().map(|(_, t)| *t).max() {
            let late_after_run = time < run_latest.saturating_sub(self.lateness);
            let late_before_run = time < latest.saturating_sub(self.lateness);
            if late_after_run && !late_before_run {
                out.extend(self.held.drain(..).map(|(record, t)| Passed::Spike {
                    record,
                    time: t,
                    latest,
                    next: time,
                }));
            } else {
                self.release(out);
            }
        }
        self.latest = Some(self.latest.map_or(time, |latest| latest.max(time)));
        out.push(Passed::Record(record));
    }

    /// Hands on whatever is still held: the end of the input cannot judge it.
    pub fn finish(&mut self, out: &mut Vec<Passed<T>>) {
        self.release(out);
    }

    fn release(&mut self, out: &mut Vec<Passed<T>>) {
        for (record, time) in self.held.drain(..) {
            self.latest = Some(self.latest.map_or(time, |latest| latest.max(time)));
            out.push(Passed::Record(record));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LATE: i64 = 300_000;
    const DAY: i64 = 86_400_000;

    /// The filter's output for records numbered by their place, with these times.
    fn run(times: &[i64]) -> Vec<Passed<usize>> {
        let mut filter = TimeSpikes::new(LATE);
        let mut out = Vec::new();
        for (i, &time) in times.iter().enumerate() {
            filter.push(i, time, &mut out);
        }
        filter.finish(&mut out);
        out
    }

    fn spikes(out: &[Passed<usize>]) -> Vec<usize> {
        out.iter().filter_map(|p| if let Passed::Spike { record, .. } = p { Some(*record) } else { None }).collect()
    }

    fn passed(out: &[Passed<usize>]) -> Vec<usize> {
        out.iter().filter_map(|p| if let Passed::Record(r) = p { Some(*r) } else { None }).collect()
    }

    #[test]
    fn a_year_typed_wrong_is_the_one_record_reported() {
        let far = 73 * 365 * DAY;
        let out = run(&[0, 60_000, far, 120_000, 180_000]);
        assert_eq!(spikes(&out), [2]);
        assert_eq!(passed(&out), [0, 1, 3, 4]);
        assert_eq!(out[2], Passed::Spike { record: 2, time: far, latest: 60_000, next: 120_000 });
    }

    #[test]
    fn a_quiet_gap_then_records_at_the_new_time_is_a_real_jump() {
        let out = run(&[0, 60_000, 90 * DAY, 90 * DAY + 1, 90 * DAY + 2]);
        assert!(spikes(&out).is_empty());
        assert_eq!(passed(&out), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_record_too_late_anyway_does_not_blame_the_jump_before_it() {
        // t3 is 3 hours behind t1 as well as behind t2: it is the late one, the engine's to refuse.
        let hour = 3_600_000;
        let out = run(&[10 * hour, 12 * hour, 9 * hour, 12 * hour + hour / 2]);
        assert!(spikes(&out).is_empty());
        assert_eq!(passed(&out), [0, 1, 2, 3]);
    }

    #[test]
    fn a_short_run_of_placeholder_dates_is_reported_and_a_long_one_passed() {
        let far = 40 * 365 * DAY;
        let mut times = vec![0, 1_000];
        times.extend(std::iter::repeat_n(far, 3));
        times.push(2_000);
        assert_eq!(spikes(&run(&times)), [2, 3, 4]);
        let mut times = vec![0, 1_000];
        times.extend(std::iter::repeat_n(far, MAX_RUN + 1));
        times.push(2_000);
        assert!(spikes(&run(&times)).is_empty());
    }

    #[test]
    fn held_records_at_the_end_are_passed_on() {
        let out = run(&[0, 50 * 365 * DAY]);
        assert_eq!(passed(&out), [0, 1]);
    }

    proptest! {
        /// Every record comes out once, as a record or a spike, and the records keep their order.
        #[test]
        fn every_record_comes_out_once_in_order(times in proptest::collection::vec(0i64..40 * DAY, 0..80)) {
            let out = run(&times);
            let mut all: Vec<usize> = passed(&out);
            all.extend(spikes(&out));
            all.sort_unstable();
            prop_assert_eq!(all, (0..times.len()).collect::<Vec<_>>());
            let kept = passed(&out);
            prop_assert!(kept.windows(2).all(|w| w[0] < w[1]));
        }

        /// Records in time order (within the lateness) all pass.
        #[test]
        fn records_in_order_all_pass(steps in proptest::collection::vec(-LATE..DAY, 0..80)) {
            let mut time = 0i64;
            let mut times = Vec::new();
            let mut latest = 0i64;
            for step in steps {
                // Never more than the lateness behind the latest.
                time = (time + step).max(latest - LATE);
                latest = latest.max(time);
                times.push(time);
            }
            prop_assert!(spikes(&run(&times)).is_empty());
        }

        /// One record put far ahead into records in order is the one reported; nothing else is lost.
        #[test]
        fn one_far_record_among_ordered_ones_is_found(
            gaps in proptest::collection::vec(0i64..LATE, 2..60),
            at in 0usize..1000,
            ahead in (LATE + 1)..(100 * 365 * DAY),
        ) {
            let mut times: Vec<i64> = gaps.iter().scan(0i64, |t, g| { *t += g; Some(*t) }).collect();
            let at = 1 + at % (times.len() - 1);
            let far = times[at - 1].max(times[..at].iter().copied().max().unwrap_or(0)) + ahead;
            times.insert(at, far);
            // The record after it is back in order, behind `far` by more than the lateness only if the jump is
            // large enough to matter: that is when it must be reported.
            let next = times[at + 1];
            let out = run(&times);
            if next < far - LATE {
                prop_assert_eq!(spikes(&out), vec![at]);
            } else {
                prop_assert!(spikes(&out).is_empty());
            }
        }
    }
}
