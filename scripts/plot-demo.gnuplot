# Draws docs/img/demo.png from the CSV that `make demo` writes (build/demo.csv).
# usage: gnuplot -e "in='build/demo.csv'; out='docs/img/demo.png'" scripts/plot-demo.gnuplot
set datafile separator ','
set terminal pngcairo size 900,420 font 'DejaVu Sans,11'
set output out
set multiplot layout 1,2 title 'example\_il6\_crp: one 2 ng/kg endotoxin challenge at 24 h'
set xlabel 'time (h)'
set grid
set key top right
set ylabel 'IL-6 (pg/mL)'
set logscale y
plot in using 1:3 with lines lw 2 lc rgb '#c0392b' title 'IL-6'
unset logscale y
set ylabel 'CRP (mg/L)'
plot in using 1:5 with lines lw 2 lc rgb '#2c3e50' title 'CRP', \
     in using 1:4 with lines lw 1 dt 2 lc rgb '#7f8c8d' title 'hepatic signal (fold)'
unset multiplot
