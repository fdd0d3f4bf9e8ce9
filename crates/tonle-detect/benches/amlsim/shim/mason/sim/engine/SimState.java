package sim.engine;

import ec.util.MersenneTwisterFast;

/**
 * Minimal stand-in for MASON's sim.engine.SimState: a seeded MersenneTwisterFast `random`
 * and a `schedule`; start() resets the schedule, finish() clears it.
 */
public class SimState implements java.io.Serializable {
    public MersenneTwisterFast random;
    public Schedule schedule;
    long seed;

    public SimState(long seed) {
        this.seed = seed;
        this.random = new MersenneTwisterFast(seed);
        this.schedule = new Schedule();
    }

    public long seed() { return seed; }

    public void start() { schedule.reset(); }

    public void finish() { schedule.clear(); }
}
