#include "cgnuplot.h"
