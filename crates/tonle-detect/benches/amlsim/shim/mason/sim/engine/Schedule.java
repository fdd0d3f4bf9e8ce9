package sim.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Minimal stand-in for MASON's sim.engine.Schedule covering only what AMLSim uses:
 * scheduleRepeating(Steppable) (first firing at time 0, then every 1.0, ordering 0),
 * step(SimState), getSteps(), getTime(), reset(), clear().
 * As in MASON (shuffling on by default), agents due at the same time and ordering are run
 * in a random order each step, shuffled with the SimState's MersenneTwisterFast
 * (MASON's Bag.shuffle algorithm: Fisher-Yates from the end with random.nextInt(x + 1)).
 */
public class Schedule implements java.io.Serializable {
    public static final double EPOCH = 0.0;
    public static final double BEFORE_SIMULATION = EPOCH - 1.0;

    private final List<Steppable> repeating = new ArrayList<>();
    private long steps = 0;
    private double time = BEFORE_SIMULATION;
    private boolean shuffling = true;

    public boolean scheduleRepeating(Steppable event) {
        repeating.add(event);
        return true;
    }

    public long getSteps() { return steps; }

    public double getTime() { return time; }

    public void setShuffling(boolean val) { shuffling = val; }

    public boolean getShuffling() { return shuffling; }

    public void reset() {
        repeating.clear();
        steps = 0;
        time = BEFORE_SIMULATION;
    }

    public void clear() { repeating.clear(); }

    /** Run all agents due at the next time stamp. Returns false if nothing is scheduled. */
    public boolean step(SimState state) {
        if (repeating.isEmpty()) return false;
        time = (time == BEFORE_SIMULATION) ? EPOCH : time + 1.0;
        Steppable[] objs = repeating.toArray(new Steppable[0]);
        if (shuffling) {
            for (int x = objs.length - 1; x >= 1; x--) {
                int r = state.random.nextInt(x + 1);
                Steppable tmp = objs[x];
                objs[x] = objs[r];
                objs[r] = tmp;
            }
        }
        for (Steppable s : objs) s.step(state);
        steps++;
        return true;
    }
}
