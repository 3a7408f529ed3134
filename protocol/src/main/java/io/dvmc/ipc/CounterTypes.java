package io.dvmc.ipc;

/** Type ids of dvmc counters, so that dvmcctl stat can group what it reads from a {@link CountersFile}. */
public final class CounterTypes
{
    public static final int DATAPLANE = 1;
    public static final int PORT = 2;
    public static final int DROP = 3;
    /** A counter of one lane of a dataplane with several: its port field names the lane ("1", "2", ...). */
    public static final int LANE = 4;
    public static final int AGENT = 10;
    public static final int SERVICE = 20;

    private CounterTypes()
    {
    }

    public static String name(final int typeId)
    {
        return switch (typeId)
        {
            case DATAPLANE -> "dataplane";
            case PORT -> "port";
            case DROP -> "drop";
            case LANE -> "lane";
            case AGENT -> "agent";
            case SERVICE -> "service";
            default -> "type-" + typeId;
        };
    }
}
