# Draws requests per second (top row) and p99 latency (bottom row) against open connections, one
# column per endpoint and one line per target. bench/report.sh sets the inputs with -e:
#   data_dir   folder with one file <target>-<endpoint>.dat per line: connections, req/s, p99 ms
#   endpoints  space-separated endpoint names
#   targets    space-separated target names
#   x_min, x_max   range of the connection axis
#   output     PNG file to write

columns = words(endpoints)
set terminal pngcairo size (380 * columns + 60), 760 font "sans,10"
set output output
set multiplot layout 2, columns title sprintf("secure-pets-api benchmark (%s)", targets)
set logscale x 2
set xrange [x_min:x_max]
set yrange [0:*]
set grid
set xlabel "connections"

do for [i = 1:columns] {
  endpoint = word(endpoints, i)
  set title endpoint
  set ylabel "requests/s"
  set key top right
  plot for [target in targets] sprintf("%s/%s-%s.dat", data_dir, target, endpoint) \
    using 1:2 with linespoints linewidth 2 pointtype 7 title target
}

do for [i = 1:columns] {
  endpoint = word(endpoints, i)
  set title endpoint
  set ylabel "p99 latency (ms)"
  set key top left
  plot for [target in targets] sprintf("%s/%s-%s.dat", data_dir, target, endpoint) \
    using 1:3 with linespoints linewidth 2 pointtype 7 title target
}

unset multiplot
