/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prints the GPIO uAPI v2 numbers gpiorig.py hard-codes, from <linux/gpio.h>, as NAME VALUE lines. */
#include <linux/gpio.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"

#define PRINT(name, value) printf("%s %lu\n", name, (unsigned long)(value))

int main(int argc, char *argv[]) {
        if (cli_answer_help_version(argc, argv, "gpio-uapi",
                    "Usage: gpio-uapi\n"
                    "Prints the GPIO uAPI v2 numbers tests/lib/gpiorig.py hard-codes, as NAME VALUE "
                    "lines.\n"))
                return 0;
        PRINT("GPIO_GET_CHIPINFO_IOCTL", GPIO_GET_CHIPINFO_IOCTL);
        PRINT("GPIO_V2_GET_LINEINFO_IOCTL", GPIO_V2_GET_LINEINFO_IOCTL);
        PRINT("GPIO_V2_GET_LINE_IOCTL", GPIO_V2_GET_LINE_IOCTL);
        PRINT("GPIO_V2_LINE_GET_VALUES_IOCTL", GPIO_V2_LINE_GET_VALUES_IOCTL);
        PRINT("GPIO_V2_LINE_SET_VALUES_IOCTL", GPIO_V2_LINE_SET_VALUES_IOCTL);
        PRINT("CHIPINFO_SIZE", sizeof(struct gpiochip_info));
        PRINT("LINEINFO_SIZE", sizeof(struct gpio_v2_line_info));
        PRINT("LINE_REQUEST_SIZE", sizeof(struct gpio_v2_line_request));
        PRINT("LINE_VALUES_SIZE", sizeof(struct gpio_v2_line_values));
        PRINT("LINE_EVENT_SIZE", sizeof(struct gpio_v2_line_event));
        PRINT("REQ_CONSUMER", offsetof(struct gpio_v2_line_request, consumer));
        PRINT("REQ_CONFIG", offsetof(struct gpio_v2_line_request, config));
        PRINT("REQ_NUM_LINES", offsetof(struct gpio_v2_line_request, num_lines));
        PRINT("REQ_FD", offsetof(struct gpio_v2_line_request, fd));
        PRINT("CONFIG_ATTRS", offsetof(struct gpio_v2_line_config, attrs));
        PRINT("CONFIG_ATTR_SIZE", sizeof(struct gpio_v2_line_config_attribute));
        PRINT("INFO_CONSUMER", offsetof(struct gpio_v2_line_info, consumer));
        PRINT("INFO_OFFSET", offsetof(struct gpio_v2_line_info, offset));
        PRINT("INFO_FLAGS", offsetof(struct gpio_v2_line_info, flags));
        PRINT("FLAG_USED", GPIO_V2_LINE_FLAG_USED);
        PRINT("FLAG_ACTIVE_LOW", GPIO_V2_LINE_FLAG_ACTIVE_LOW);
        PRINT("FLAG_INPUT", GPIO_V2_LINE_FLAG_INPUT);
        PRINT("FLAG_OUTPUT", GPIO_V2_LINE_FLAG_OUTPUT);
        PRINT("FLAG_EDGE_RISING", GPIO_V2_LINE_FLAG_EDGE_RISING);
        PRINT("FLAG_EDGE_FALLING", GPIO_V2_LINE_FLAG_EDGE_FALLING);
        PRINT("FLAG_BIAS_PULL_UP", GPIO_V2_LINE_FLAG_BIAS_PULL_UP);
        PRINT("FLAG_BIAS_PULL_DOWN", GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN);
        PRINT("FLAG_BIAS_DISABLED", GPIO_V2_LINE_FLAG_BIAS_DISABLED);
        PRINT("FLAG_EVENT_CLOCK_REALTIME", GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME);
        PRINT("ATTR_FLAGS", GPIO_V2_LINE_ATTR_ID_FLAGS);
        PRINT("ATTR_OUTPUT_VALUES", GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES);
        PRINT("ATTR_DEBOUNCE", GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
        PRINT("EVENT_RISING_EDGE", GPIO_V2_LINE_EVENT_RISING_EDGE);
        PRINT("EVENT_FALLING_EDGE", GPIO_V2_LINE_EVENT_FALLING_EDGE);
        return 0;
}
